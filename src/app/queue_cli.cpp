// `postino queue list | show ID | retry ID | remove ID | flush`: the
// operator's view of the outbound queue, straight on the store. A running
// server sees the changes within [queue] poll_interval seconds: its scheduler
// re-reads next_attempt from the store at least that often (queue/queue.hpp),
// so nothing needs to signal it.
#include <chrono>
#include <ctime>
#include <iostream>

#include "app/cli.hpp"
#include "store/queue_store.hpp"

namespace postino::app {
namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(int64_t t) {
  if (t == 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int failed(const Error& e) {
  std::cerr << "postino: " << e.message << "\n";
  return kExitFailed;
}

int usage(const std::string& msg) {
  std::cerr << "postino: " << msg << "\n";
  return kExitUsage;
}

std::string sender_text(const std::string& s) { return s.empty() ? "<>" : "<" + s + ">"; }

}  // namespace

int queue_command(store::StoreBackend& backend, const std::vector<std::string>& a) {
  auto opened = store::open_queue_store(backend);
  if (!opened) return failed(opened.error());
  store::QueueStore& qs = **opened;
  const std::string verb = a.empty() ? "" : a[0];
  if (verb == "list" && a.size() == 1) {
    // One line per message: id, arrival, size, sender, pending/total recipients.
    auto list = qs.list();
    if (!list) return failed(list.error());
    for (const auto& m : *list) {
      size_t pending = 0;
      for (const auto& r : m.recipients) pending += store::is_final(r.status) ? 0 : 1;
      std::cout << m.id << "  " << iso_time(m.created_at) << "  " << m.size << "  "
                << sender_text(m.mail_from) << "  " << pending << "/" << m.recipients.size()
                << " pending\n";
    }
    return kExitOk;
  }
  if (verb == "flush" && a.size() == 1) {
    auto n = qs.flush(now_seconds());
    if (!n) return failed(n.error());
    std::cout << *n << " recipient(s) due now\n";
    return kExitOk;
  }
  if ((verb == "show" || verb == "retry" || verb == "remove") && a.size() == 2) {
    const std::string& id = a[1];
    if (!store::valid_queue_id(id)) return usage("invalid queue id '" + id + "'");
    if (verb == "remove") {
      Status st = qs.remove(id);
      return st ? kExitOk : failed(st.error());
    }
    if (verb == "retry") {
      auto n = qs.retry(id, now_seconds());
      if (!n) return failed(n.error());
      std::cout << *n << " recipient(s) due now\n";
      return kExitOk;
    }
    auto m = qs.get(id);
    if (!m) return failed(m.error());
    std::cout << "id: " << m->id << "\n"
              << "from: " << sender_text(m->mail_from) << "\n"
              << "size: " << m->size << "\n"
              << "queued: " << iso_time(m->created_at) << "\n";
    if (!m->envid.empty()) std::cout << "envid: " << m->envid << "\n";
    if (!m->ret.empty()) std::cout << "ret: " << m->ret << "\n";
    if (!m->auth_user.empty()) std::cout << "user: " << m->auth_user << "\n";
    for (const auto& r : m->recipients) {
      std::cout << "rcpt: <" << r.address << "> " << store::rcpt_status_name(r.status)
                << " attempts=" << r.attempts << " next=" << iso_time(r.next_attempt);
      if (!r.remote_mta.empty()) std::cout << " mx=" << r.remote_mta;
      if (!r.last_reply.empty()) std::cout << " reply=\"" << r.last_reply << "\"";
      std::cout << "\n";
    }
    return kExitOk;
  }
  return usage("queue list, queue show|retry|remove ID, or queue flush");
}

}  // namespace postino::app
