// StoreBackend conformance: directory, UID/MODSEQ rules, flags, expunge and
// tombstones, copy/move, rename INBOX, quota, blob dedup, reopen, change bus.
#include "store/conformance.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "store/test_util.hpp"

namespace postino::store::testing {
namespace {

struct World {
  TempDir dir;
  std::unique_ptr<StoreBackend> store;
  Account alice;

  explicit World(const BackendFactory& f) {
    auto s = f.open(dir.path());
    EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message);
    store = std::move(*s);
    EXPECT_TRUE(store->add_domain("example.com").ok());
    auto a = store->add_account("Alice@Example.com",
                                Credentials{"$argon2id$x", "salt", 4096, "stored", "server"});
    EXPECT_TRUE(a.ok()) << (a ? "" : a.error().message);
    alice = *a;
  }
  Mailbox box(const std::string& name, AccountId acct = 0) {
    auto m = store->get_mailbox(acct ? acct : alice.id, name);
    EXPECT_TRUE(m.ok()) << name;
    return m ? *m : Mailbox{};
  }
  AppendResult put(const std::string& mailbox, const std::string& raw,
                   std::vector<std::string> flags = {}) {
    auto r = store->append(make_append(alice.id, mailbox, raw, std::move(flags)));
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().message);
    return r ? *r : AppendResult{};
  }
};

std::vector<Uid> uids_of(const std::vector<FlagState>& v) {
  std::vector<Uid> out;
  for (const auto& f : v) out.push_back(f.uid);
  return out;
}

TEST_P(StoreConformance, DirectoryOperations) {
  World w(GetParam());
  auto& s = *w.store;
  EXPECT_EQ(w.alice.address, "alice@example.com");
  EXPECT_EQ(w.alice.scram_iterations, 4096u);
  EXPECT_EQ(s.add_domain("EXAMPLE.com").error().code, Errc::exists);
  EXPECT_EQ(s.add_account("bob@nowhere.test", {}).error().code, Errc::not_found);
  EXPECT_EQ(s.add_account("alice@example.com", {}).error().code, Errc::exists);
  EXPECT_EQ(s.add_account("not-an-address", {}).error().code, Errc::invalid);

  auto domains = s.list_domains();
  ASSERT_TRUE(domains.ok());
  ASSERT_EQ(domains->size(), 1u);
  EXPECT_EQ((*domains)[0].name, "example.com");

  ASSERT_TRUE(s.set_credentials("alice@example.com", {"$argon2id$new", "s2", 8192, "k1", "k2"}));
  auto a = s.get_account("ALICE@example.com");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->password_hash, "$argon2id$new");
  EXPECT_EQ(a->scram_server_key, "k2");
  EXPECT_EQ(s.get_account_by_id(a->id)->address, "alice@example.com");
  ASSERT_TRUE(s.set_quota("alice@example.com", 12345));
  EXPECT_EQ(s.quota(a->id)->limit_bytes, 12345u);
  EXPECT_EQ(s.set_quota("nobody@example.com", 1).error().code, Errc::not_found);

  // New accounts get INBOX and the RFC 6154 special-use mailboxes, subscribed.
  auto boxes = s.list_mailboxes(a->id);
  ASSERT_TRUE(boxes.ok());
  std::set<std::string> names, uses;
  for (const auto& m : *boxes) {
    names.insert(m.name);
    uses.insert(m.special_use);
    EXPECT_TRUE(m.subscribed) << m.name;
    EXPECT_EQ(m.uidnext, 1u);
    EXPECT_EQ(m.message_count, 0u);
  }
  EXPECT_EQ(names, (std::set<std::string>{"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"}));
  EXPECT_EQ(uses,
            (std::set<std::string>{"", "\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"}));

  ASSERT_TRUE(s.add_alias("Postmaster@example.com", "alice@example.com"));
  EXPECT_EQ(s.add_alias("postmaster@example.com", "x@example.com").error().code, Errc::exists);
  EXPECT_EQ(s.add_alias("x@elsewhere.test", "alice@example.com").error().code, Errc::not_found);
  EXPECT_EQ(*s.resolve_alias("postmaster@EXAMPLE.COM"), "alice@example.com");
  EXPECT_EQ(s.resolve_alias("abuse@example.com").error().code, Errc::not_found);
  EXPECT_EQ(s.list_aliases()->size(), 1u);

  EXPECT_EQ(s.remove_domain("example.com").error().code, Errc::busy);
  ASSERT_TRUE(s.remove_alias("postmaster@example.com"));
  EXPECT_EQ(s.remove_alias("postmaster@example.com").error().code, Errc::not_found);
  w.put("INBOX", sample_message("hello"));
  ASSERT_TRUE(s.remove_account("alice@example.com"));
  EXPECT_EQ(s.get_account("alice@example.com").error().code, Errc::not_found);
  EXPECT_TRUE(s.list_mailboxes(a->id)->empty());
  EXPECT_TRUE(s.list_accounts()->empty());
  ASSERT_TRUE(s.remove_domain("example.com"));
  EXPECT_EQ(s.remove_domain("example.com").error().code, Errc::not_found);
}

TEST_P(StoreConformance, UidAndModseqRules) {
  World w(GetParam());
  Mailbox before = w.box("INBOX");
  EXPECT_GT(before.uidvalidity, 0u);
  auto r1 = w.put("inbox", sample_message("1"));  // INBOX is case-insensitive
  auto r2 = w.put("INBOX", sample_message("2"), {"\\Seen"});
  auto r3 = w.put("INBOX", sample_message("3"));
  EXPECT_EQ(r1.uid, 1u);
  EXPECT_EQ(r2.uid, 2u);
  EXPECT_EQ(r3.uid, 3u);
  EXPECT_LT(r1.modseq, r2.modseq);
  EXPECT_LT(r2.modseq, r3.modseq);
  EXPECT_GT(r1.modseq, before.highestmodseq);
  EXPECT_EQ(r1.uidvalidity, before.uidvalidity);
  Mailbox after = w.box("INBOX");
  EXPECT_EQ(after.uidnext, 4u);
  EXPECT_EQ(after.highestmodseq, r3.modseq);
  EXPECT_EQ(after.message_count, 3u);
  EXPECT_EQ(after.unseen_count, 2u);
  EXPECT_EQ(after.size_bytes, 3 * sample_message("1").size());
  // Without counts: the same state, zero counts.
  auto bare = w.store->get_mailbox(w.alice.id, "inbox", false);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->id, after.id);
  EXPECT_EQ(bare->name, "INBOX");
  EXPECT_EQ(bare->uidnext, after.uidnext);
  EXPECT_EQ(bare->highestmodseq, after.highestmodseq);
  EXPECT_EQ(bare->uidvalidity, after.uidvalidity);
  EXPECT_EQ(bare->message_count, 0u);
  auto bare_id = w.store->get_mailbox_by_id(after.id, false);
  ASSERT_TRUE(bare_id.ok());
  EXPECT_EQ(bare_id->uidnext, after.uidnext);
  EXPECT_EQ(bare_id->name, "INBOX");

  // UIDNEXT never goes back, even after an expunge of the highest UID.
  ASSERT_TRUE(w.store->store_flags(after.id, UidSet::of({3}), {FlagMode::add, {"\\Deleted"}, {}}));
  ASSERT_TRUE(w.store->expunge(after.id));
  EXPECT_EQ(w.put("INBOX", sample_message("4")).uid, 4u);

  // A reused name gets a new UIDVALIDITY.
  auto c = w.store->create_mailbox(w.alice.id, "Lists/rust");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(w.store->create_mailbox(w.alice.id, "Lists/rust").error().code, Errc::exists);
  ASSERT_TRUE(w.store->delete_mailbox(w.alice.id, "Lists/rust"));
  auto c2 = w.store->create_mailbox(w.alice.id, "Lists/rust");
  ASSERT_TRUE(c2.ok());
  EXPECT_NE(c2->uidvalidity, c->uidvalidity);
  EXPECT_NE(c2->id, c->id);
  EXPECT_EQ(c2->uidnext, 1u);

  EXPECT_EQ(w.store->create_mailbox(w.alice.id, "").error().code, Errc::invalid);
  EXPECT_EQ(w.store->create_mailbox(w.alice.id, "a//b").error().code, Errc::invalid);
  EXPECT_EQ(w.store->create_mailbox(w.alice.id, "bad\r\nname").error().code, Errc::invalid);
  EXPECT_EQ(w.store->append(make_append(w.alice.id, "Nope", "x")).error().code, Errc::not_found);
}

TEST_P(StoreConformance, FetchMetadataAndBlobRanges) {
  World w(GetParam());
  std::string raw = sample_message("fetch me", 1000);
  auto r = w.put("INBOX", raw, {"\\flagged", "$Work", "\\Recent"});
  auto all = w.store->fetch(r.mailbox_id, UidSet::all());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  const auto& m = (*all)[0];
  EXPECT_EQ(m.uid, r.uid);
  EXPECT_EQ(m.size, raw.size());
  EXPECT_EQ(m.internal_date, 1700000000);
  EXPECT_EQ(m.flags, (std::vector<std::string>{"\\Flagged", "$Work"}));
  EXPECT_EQ(m.header_summary, "subject");
  EXPECT_EQ(m.blob_id, r.blob_id);
  EXPECT_EQ(m.blob_id.size(), 64u);
  EXPECT_EQ(*w.store->read_blob(m.blob_id), raw);
  EXPECT_EQ(*w.store->read_blob(m.blob_id, 6, 13), raw.substr(6, 13));
  EXPECT_EQ(*w.store->read_blob(m.blob_id, raw.size() - 5), raw.substr(raw.size() - 5));
  EXPECT_EQ(*w.store->read_blob(m.blob_id, raw.size() + 10, 5), "");
  EXPECT_EQ(w.store->read_blob("../../etc/passwd").error().code, Errc::invalid);
  EXPECT_TRUE(w.store->fetch(r.mailbox_id, UidSet::of({99}))->empty());

  EXPECT_EQ(w.store->append(make_append(w.alice.id, "INBOX", "x", {"\\Bogus"})).error().code,
            Errc::invalid);
  EXPECT_EQ(w.store->append(make_append(w.alice.id, "INBOX", "x", {"a b"})).error().code,
            Errc::invalid);
}

TEST_P(StoreConformance, StoreFlagsModes) {
  World w(GetParam());
  auto r1 = w.put("INBOX", sample_message("1"));
  auto r2 = w.put("INBOX", sample_message("2"), {"\\Seen"});
  MailboxId mb = r1.mailbox_id;
  auto& s = *w.store;

  auto add = s.store_flags(mb, UidSet::all(), {FlagMode::add, {"\\seen", "Urgent"}, {}});
  ASSERT_TRUE(add.ok());
  ASSERT_EQ(add->updated.size(), 2u);
  ModSeq m1 = add->highestmodseq;
  EXPECT_GT(m1, r2.modseq);
  for (const auto& u : add->updated) EXPECT_EQ(u.modseq, m1);
  EXPECT_EQ(w.box("INBOX").highestmodseq, m1);
  EXPECT_EQ(w.box("INBOX").unseen_count, 0u);

  // No change: no MODSEQ bump, nothing reported.
  auto same = s.store_flags(mb, UidSet::all(), {FlagMode::add, {"\\Seen"}, {}});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->updated.empty());
  EXPECT_EQ(same->highestmodseq, m1);

  auto rem = s.store_flags(mb, UidSet::of({r1.uid}), {FlagMode::remove, {"\\Seen"}, {}});
  ASSERT_TRUE(rem.ok());
  ASSERT_EQ(rem->updated.size(), 1u);
  EXPECT_EQ(rem->updated[0].flags, std::vector<std::string>{"Urgent"});
  EXPECT_GT(rem->highestmodseq, m1);

  auto rep = s.store_flags(mb, UidSet::of({r2.uid}), {FlagMode::replace, {"\\Answered"}, {}});
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->updated[0].flags, std::vector<std::string>{"\\Answered"});
  auto flags = s.fetch_flags(mb, UidSet::all());
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ((*flags)[0].flags, std::vector<std::string>{"Urgent"});
  EXPECT_EQ((*flags)[1].flags, std::vector<std::string>{"\\Answered"});

  // RFC 7162 §3.1.3: UNCHANGEDSINCE below the message's MODSEQ fails it.
  ModSeq r1_modseq = (*flags)[0].modseq;
  ModSeq r2_modseq = (*flags)[1].modseq;
  ASSERT_LT(r1_modseq, r2_modseq);
  auto cond = s.store_flags(mb, UidSet::all(), {FlagMode::add, {"\\Flagged"}, r1_modseq});
  ASSERT_TRUE(cond.ok());
  EXPECT_EQ(uids_of(cond->updated), std::vector<Uid>{r1.uid});
  EXPECT_EQ(cond->failed, std::vector<Uid>{r2.uid});
  auto zero = s.store_flags(mb, UidSet::all(), {FlagMode::add, {"X"}, ModSeq{0}});
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->updated.empty());
  EXPECT_EQ(zero->failed.size(), 2u);

  EXPECT_EQ(s.store_flags(mb, UidSet::all(), {FlagMode::add, {"\\Nope"}, {}}).error().code,
            Errc::invalid);
}

TEST_P(StoreConformance, ExpungeLeavesTombstonesForQresync) {
  World w(GetParam());
  auto& s = *w.store;
  std::vector<AppendResult> r;
  for (int i = 0; i < 5; ++i) r.push_back(w.put("INBOX", sample_message(std::to_string(i))));
  MailboxId mb = r[0].mailbox_id;
  ModSeq base = w.box("INBOX").highestmodseq;

  ASSERT_TRUE(s.store_flags(mb, UidSet::of({2, 3, 5}), {FlagMode::add, {"\\Deleted"}, {}}));
  // UID EXPUNGE: only \Deleted messages inside the set.
  auto e1 = s.expunge(mb, UidSet{{{1, 3}}});
  ASSERT_TRUE(e1.ok());
  EXPECT_EQ(*e1, (std::vector<Uid>{2, 3}));
  auto e2 = s.expunge(mb);
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(*e2, std::vector<Uid>{5});
  EXPECT_TRUE(s.expunge(mb)->empty());

  auto ch = s.changes_since(mb, base);
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->highestmodseq, w.box("INBOX").highestmodseq);
  EXPECT_EQ(ch->vanished, (std::vector<Uid>{2, 3, 5}));
  EXPECT_TRUE(ch->changed.empty());  // 1 and 4 untouched since base

  auto all = s.changes_since(mb, 0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(uids_of(all->changed), (std::vector<Uid>{1, 4}));

  ASSERT_TRUE(s.store_flags(mb, UidSet::of({4}), {FlagMode::add, {"\\Seen"}, {}}));
  auto after = s.changes_since(mb, ch->highestmodseq);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(uids_of(after->changed), std::vector<Uid>{4});
  EXPECT_TRUE(after->vanished.empty());
  EXPECT_EQ(w.box("INBOX").message_count, 2u);
  EXPECT_EQ(s.quota(w.alice.id)->used_bytes, 2 * sample_message("1").size());
}

TEST_P(StoreConformance, CopyAndMove) {
  World w(GetParam());
  auto& s = *w.store;
  for (int i = 0; i < 3; ++i) w.put("INBOX", sample_message(std::to_string(i)), {"\\Seen"});
  Mailbox inbox = w.box("INBOX"), archive = w.box("Archive");
  w.put("Archive", sample_message("existing"));

  auto cp = s.copy(inbox.id, UidSet{{{2, 3}}}, archive.id);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->dst_uidvalidity, archive.uidvalidity);
  EXPECT_EQ(cp->uids, (std::vector<std::pair<Uid, Uid>>{{2, 2}, {3, 3}}));
  EXPECT_TRUE(cp->expunged.empty());
  auto copied = s.fetch(archive.id, UidSet::of({2}));
  ASSERT_EQ(copied->size(), 1u);
  EXPECT_EQ((*copied)[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(w.box("INBOX").message_count, 3u);
  EXPECT_EQ(s.quota(w.alice.id)->used_bytes,
            5 * sample_message("0").size() + sample_message("existing").size());

  Mailbox trash = w.box("Trash");
  ModSeq before = w.box("INBOX").highestmodseq;
  auto mv = s.move(inbox.id, UidSet::of({1, 3}), trash.id);
  ASSERT_TRUE(mv.ok());
  EXPECT_EQ(mv->uids, (std::vector<std::pair<Uid, Uid>>{{1, 1}, {3, 2}}));
  EXPECT_EQ(mv->expunged, (std::vector<Uid>{1, 3}));
  EXPECT_EQ(w.box("INBOX").message_count, 1u);
  EXPECT_EQ(w.box("Trash").message_count, 2u);
  auto ch = s.changes_since(inbox.id, before);
  EXPECT_EQ(ch->vanished, (std::vector<Uid>{1, 3}));
  EXPECT_TRUE(s.copy(inbox.id, UidSet::of({77}), trash.id)->uids.empty());
  EXPECT_EQ(s.copy(inbox.id, UidSet::all(), 999999).error().code, Errc::not_found);
}

TEST_P(StoreConformance, RenameMailboxes) {
  World w(GetParam());
  auto& s = *w.store;
  w.put("INBOX", sample_message("a"));
  w.put("INBOX", sample_message("b"));
  Mailbox inbox = w.box("INBOX");

  // RFC 9051 §6.3.6: renaming INBOX moves its messages, INBOX stays, empty.
  auto old = s.rename_mailbox(w.alice.id, "inbox", "Old Mail");
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->message_count, 2u);
  EXPECT_NE(old->id, inbox.id);
  Mailbox inbox2 = w.box("INBOX");
  EXPECT_EQ(inbox2.id, inbox.id);
  EXPECT_EQ(inbox2.message_count, 0u);
  EXPECT_EQ(inbox2.uidvalidity, inbox.uidvalidity);
  EXPECT_GE(inbox2.uidnext, 3u);
  EXPECT_EQ(s.changes_since(inbox.id, inbox.highestmodseq)->vanished, (std::vector<Uid>{1, 2}));
  auto moved = s.fetch(old->id, UidSet::all());
  ASSERT_EQ(moved->size(), 2u);
  EXPECT_EQ(*s.read_blob((*moved)[1].blob_id), sample_message("b"));

  auto ren = s.rename_mailbox(w.alice.id, "Old Mail", "Archive/2025");
  ASSERT_TRUE(ren.ok());
  EXPECT_EQ(ren->id, old->id);
  EXPECT_EQ(ren->uidvalidity, old->uidvalidity);
  EXPECT_EQ(ren->message_count, 2u);
  EXPECT_EQ(s.get_mailbox(w.alice.id, "Old Mail").error().code, Errc::not_found);
  EXPECT_EQ(s.rename_mailbox(w.alice.id, "Sent", "Trash").error().code, Errc::exists);
  EXPECT_EQ(s.rename_mailbox(w.alice.id, "Sent", "INBOX").error().code, Errc::exists);
  EXPECT_EQ(s.rename_mailbox(w.alice.id, "Missing", "X").error().code, Errc::not_found);
  EXPECT_EQ(s.delete_mailbox(w.alice.id, "INBOX").error().code, Errc::invalid);
  EXPECT_EQ(s.delete_mailbox(w.alice.id, "Missing").error().code, Errc::not_found);
}

TEST_P(StoreConformance, Subscriptions) {
  World w(GetParam());
  auto& s = *w.store;
  ASSERT_TRUE(s.subscribe(w.alice.id, "Does/Not/Exist"));
  ASSERT_TRUE(s.subscribe(w.alice.id, "Does/Not/Exist"));  // idempotent
  ASSERT_TRUE(s.unsubscribe(w.alice.id, "Junk"));
  auto subs = s.list_subscriptions(w.alice.id);
  ASSERT_TRUE(subs.ok());
  EXPECT_EQ(*subs, (std::vector<std::string>{"Archive", "Does/Not/Exist", "Drafts", "INBOX", "Sent",
                                             "Trash"}));
  EXPECT_FALSE(w.box("Junk").subscribed);
  EXPECT_EQ(s.unsubscribe(w.alice.id, "Junk").error().code, Errc::not_found);
}

TEST_P(StoreConformance, QuotaRefusesAndWritesNothing) {
  World w(GetParam());
  auto& s = *w.store;
  std::string msg = sample_message("q", 100);
  ASSERT_TRUE(s.set_quota(w.alice.address, msg.size() * 2));
  w.put("INBOX", msg);
  w.put("INBOX", msg);
  Mailbox before = w.box("INBOX");
  auto over = s.append(make_append(w.alice.id, "INBOX", msg));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::quota);
  Mailbox after = w.box("INBOX");
  EXPECT_EQ(after.uidnext, before.uidnext);
  EXPECT_EQ(after.highestmodseq, before.highestmodseq);
  EXPECT_EQ(after.message_count, 2u);
  EXPECT_EQ(s.quota(w.alice.id)->used_bytes, msg.size() * 2);
  EXPECT_EQ(s.copy(before.id, UidSet::all(), w.box("Archive").id).error().code, Errc::quota);

  // One over-quota target fails the whole delivery: nothing written anywhere.
  auto bob = s.add_account("bob@example.com", {});
  ASSERT_TRUE(bob.ok());
  AppendRequest both = make_append(bob->id, "INBOX", sample_message("both"));
  both.targets.push_back({w.alice.id, "INBOX"});
  EXPECT_EQ(s.deliver(both).error().code, Errc::quota);
  EXPECT_EQ(w.box("INBOX", bob->id).message_count, 0u);
  EXPECT_EQ(s.quota(bob->id)->used_bytes, 0u);

  ASSERT_TRUE(s.set_quota(w.alice.address, 0));  // 0 = unlimited
  EXPECT_TRUE(s.append(make_append(w.alice.id, "INBOX", msg)).ok());
}

TEST_P(StoreConformance, OneBlobForManyRecipients) {
  World w(GetParam());
  auto& s = *w.store;
  std::vector<AccountId> ids{w.alice.id};
  for (const char* a : {"bob@example.com", "carol@example.com"}) {
    auto acct = s.add_account(a, {});
    ASSERT_TRUE(acct.ok());
    ids.push_back(acct->id);
  }
  std::string raw = sample_message("newsletter", 4096);
  AppendRequest req = make_append(ids[0], "INBOX", raw);
  for (size_t i = 1; i < ids.size(); ++i) req.targets.push_back({ids[i], "INBOX"});
  StoreStats before = s.stats();
  auto res = s.deliver(req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  ASSERT_EQ(res->size(), 3u);
  for (const auto& r : *res) {
    EXPECT_EQ(r.blob_id, (*res)[0].blob_id);
    EXPECT_EQ(r.uid, 1u);
    EXPECT_EQ(*s.read_blob(r.blob_id), raw);
  }
  StoreStats after = s.stats();
  EXPECT_EQ(after.appends - before.appends, 3u);
  EXPECT_EQ(after.blobs_written - before.blobs_written, 1u);

  // The same content again is not rewritten.
  ASSERT_TRUE(s.append(make_append(ids[0], "Archive", raw)).ok());
  EXPECT_EQ(s.stats().blobs_written, after.blobs_written);
  EXPECT_EQ(s.stats().blobs_deduplicated - before.blobs_deduplicated, 1u);

  // Once the last reference is expunged, the blob goes (lazily, after commit).
  std::string id = (*res)[0].blob_id;
  for (size_t i = 0; i < ids.size(); ++i) {
    Mailbox in = w.box("INBOX", ids[i]);
    ASSERT_TRUE(s.store_flags(in.id, UidSet::all(), {FlagMode::add, {"\\Deleted"}, {}}));
    ASSERT_TRUE(s.expunge(in.id));
  }
  // Blob removal runs in rounds a little after the commits (the SQLite
  // backend's: at most one per 100 ms); wait for longer than a round.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(*s.read_blob(id), raw);  // still referenced from Archive
  ASSERT_TRUE(s.delete_mailbox(ids[0], "Archive"));
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = !s.read_blob(id).ok();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(gone) << "the unreferenced blob is still there after 5 s";
  EXPECT_EQ(s.read_blob(id).error().code, Errc::not_found);
}

TEST_P(StoreConformance, ReopenPersists) {
  TempDir dir;
  AppendResult r;
  std::string raw = sample_message("persist", 300);
  {
    auto s = GetParam().open(dir.path());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->add_domain("example.org"));
    auto a = (*s)->add_account("u@example.org", {"hash", "", 0, "", ""});
    ASSERT_TRUE(a.ok());
    auto ar = (*s)->append(make_append(a->id, "INBOX", raw, {"\\Seen"}));
    ASSERT_TRUE(ar.ok());
    r = *ar;
  }
  auto s = GetParam().open(dir.path());
  ASSERT_TRUE(s.ok());
  auto a = (*s)->get_account("u@example.org");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->password_hash, "hash");
  auto m = (*s)->fetch(r.mailbox_id, UidSet::all());
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_EQ(*(*s)->read_blob(r.blob_id), raw);
  auto next = (*s)->append(make_append(a->id, "INBOX", raw));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->uid, 2u);
  EXPECT_EQ(next->uidvalidity, r.uidvalidity);
}

TEST_P(StoreConformance, ChangeBusSeesCommittedAppend) {
  World w(GetParam());
  Mailbox inbox = w.box("INBOX");
  std::atomic<int> seen{0}, readable{0}, account_events{0};
  auto sub = w.store->change_bus().subscribe_mailbox(inbox.id, [&](const Change& c) {
    if (c.kind != ChangeKind::appended) return;
    ++seen;
    // Commit, then broadcast: the message must already be readable.
    auto m = w.store->fetch(c.mailbox_id, UidSet::of({c.uids.at(0)}));
    if (m && m->size() == 1 && *w.store->read_blob((*m)[0].blob_id) == sample_message("bus"))
      ++readable;
  });
  auto acct_sub =
      w.store->change_bus().subscribe_account(w.alice.id, [&](const Change&) { ++account_events; });
  w.put("INBOX", sample_message("bus"));
  w.put("Sent", sample_message("other"));
  EXPECT_EQ(seen.load(), 1);
  EXPECT_EQ(readable.load(), 1);
  EXPECT_EQ(account_events.load(), 2);
  sub.reset();
  w.put("INBOX", sample_message("bus"));
  EXPECT_EQ(seen.load(), 1);
  EXPECT_EQ(account_events.load(), 3);
}

}  // namespace
}  // namespace postino::store::testing
