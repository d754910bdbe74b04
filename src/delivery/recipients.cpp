#include "delivery/recipients.hpp"

#include <algorithm>

#include "auth/address.hpp"
#include "base/strings.hpp"

namespace postino::delivery {
namespace {

struct Resolver {
  store::StoreBackend& store;
  ResolveOptions opts;
  std::vector<std::string> domains;
  Resolution out;
  size_t expanded = 0;

  bool is_local_domain(const std::string& d) const {
    return std::find(domains.begin(), domains.end(), d) != domains.end();
  }

  void add_account(const store::Account& a) {
    for (const auto& existing : out.accounts)
      if (existing.id == a.id) return;
    out.accounts.push_back({a.id, a.address, a.quota_bytes, a.used_bytes});
  }

  void add_forward(const std::string& addr) {
    if (std::find(out.forwards.begin(), out.forwards.end(), addr) == out.forwards.end())
      out.forwards.push_back(addr);
  }

  // Resolves one alias target list ("a@x" or "a@x, b@y").
  Result<bool> expand_target(const std::string& target, int depth) {
    bool any = false;
    for (auto part : split(target, ',')) {
      auto t = trim(part);
      if (t.empty()) continue;
      if (++expanded > kMaxAliasExpansion)
        return make_error(Errc::limit, "alias expansion too large");
      auto r = resolve(t, depth + 1, /*allow_catch_all=*/false);
      if (!r) return r;
      any = any || *r;
    }
    return any;
  }

  // Returns true when the address reached at least one account or forward.
  Result<bool> resolve(std::string_view address, int depth, bool allow_catch_all) {
    if (depth > kMaxAliasDepth) return make_error(Errc::limit, "alias chain too deep");
    auto parsed = auth::parse_address(address);
    if (!parsed) return make_error(Errc::invalid, parsed.error().message);
    std::string domain = parsed->domain;
    std::string local = to_lower(parsed->local);
    if (parsed->domain_is_literal || !is_local_domain(domain)) {
      if (depth == 0) return false;
      add_forward(parsed->str());
      return true;
    }
    std::vector<std::string> keys{local + "@" + domain};
    size_t plus = local.find(kPlusSeparator);
    if (opts.plus && plus != std::string::npos && plus > 0)
      keys.push_back(local.substr(0, plus) + "@" + domain);
    for (const auto& key : keys) {
      auto acc = store.get_account(key);
      if (acc) {
        add_account(*acc);
        return true;
      }
      if (acc.error().code != Errc::not_found) return acc.take_error();
      auto alias = store.resolve_alias(key);
      if (alias) return expand_target(*alias, depth);
      if (alias.error().code != Errc::not_found) return alias.take_error();
    }
    if (allow_catch_all && opts.catch_all) {
      auto alias = store.resolve_alias("@" + domain);
      if (alias) return expand_target(*alias, depth);
      if (alias.error().code != Errc::not_found) return alias.take_error();
    }
    return false;
  }
};

}  // namespace

Result<std::string> address_key(std::string_view address) {
  auto a = auth::parse_address(address);
  if (!a) return a.take_error();
  return to_lower(a->local) + "@" + a->domain;
}

Result<Resolution> resolve_recipient(store::StoreBackend& store, std::string_view address,
                                     ResolveOptions opts) {
  auto key = address_key(address);
  if (!key) return make_error(Errc::invalid, key.error().message);
  auto domains = store.list_domains();
  if (!domains) return domains.take_error();
  Resolver r{store, opts, {}, {}, 0};
  for (auto& d : *domains) r.domains.push_back(to_lower(d.name));
  r.out.address = *key;
  std::string domain = key->substr(key->rfind('@') + 1);
  if (!r.is_local_domain(domain)) {
    r.out.kind = RecipientKind::not_local;
    return std::move(r.out);
  }
  auto found = r.resolve(*key, 0, true);
  if (!found) return found.take_error();
  if (!r.out.accounts.empty()) {
    r.out.kind = RecipientKind::local;
  } else if (!r.out.forwards.empty()) {
    r.out.kind = RecipientKind::forward;
  } else {
    r.out.kind = RecipientKind::unknown_user;
  }
  return std::move(r.out);
}

Result<bool> sender_owned_by(store::StoreBackend& store, std::string_view sender,
                             store::AccountId account) {
  auto res = resolve_recipient(store, sender, {.catch_all = false, .plus = true});
  if (!res) {
    if (res.error().code == Errc::invalid) return false;
    return res.take_error();
  }
  if (res->kind != RecipientKind::local) return false;
  for (const auto& a : res->accounts)
    if (a.id == account) return true;
  return false;
}

}  // namespace postino::delivery
