// MailboxView: sequence numbers, UID sets and "*", removal renumbering.
#include "imap/server/view.hpp"

#include <gtest/gtest.h>

namespace postino::imap::server {
namespace {

MailboxView make(std::vector<store::Uid> uids) {
  MailboxView v;
  v.reset(std::move(uids));
  return v;
}

SequenceSet set(const char* s) { return *SequenceSet::parse(s); }

TEST(MailboxView, SequenceNumbersFollowUids) {
  auto v = make({3, 7, 9});
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.seq_of(7), 2u);
  EXPECT_FALSE(v.seq_of(8));
  EXPECT_EQ(v.uid_at(3), 9u);
  EXPECT_EQ(v.max_uid(), 9u);
}

TEST(MailboxView, ResolveSequenceSets) {
  auto v = make({3, 7, 9, 12});
  EXPECT_EQ(*v.resolve(set("2:*"), false), (std::vector<store::Uid>{7, 9, 12}));
  EXPECT_EQ(*v.resolve(set("*"), false), (std::vector<store::Uid>{12}));
  EXPECT_EQ(*v.resolve(set("4,1"), false), (std::vector<store::Uid>{3, 12}));
  EXPECT_FALSE(v.resolve(set("5"), false));  // beyond the mailbox: BAD
}

TEST(MailboxView, ResolveUidSetsSkipsMissing) {
  auto v = make({3, 7, 9, 12});
  EXPECT_EQ(*v.resolve(set("1:8"), true), (std::vector<store::Uid>{3, 7}));
  EXPECT_EQ(*v.resolve(set("10:*"), true), (std::vector<store::Uid>{12}));
  EXPECT_EQ(*v.resolve(set("100:*"), true), (std::vector<store::Uid>{12}));  // RFC 9051 §9
  EXPECT_TRUE(v.resolve(set("13:20"), true)->empty());
  auto empty = make({});
  EXPECT_TRUE(empty.resolve(set("1:*"), true)->empty());
  EXPECT_FALSE(empty.resolve(set("1:*"), false));
}

TEST(MailboxView, RemoveRenumbersAndAppendGrows) {
  auto v = make({3, 7, 9});
  EXPECT_EQ(v.remove(7), 2u);
  EXPECT_EQ(v.seq_of(9), 2u);
  EXPECT_FALSE(v.remove(7));
  v.append({10, 11});
  v.append({5});  // below max: ignored
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(v.seq_of(11), 4u);
}

TEST(MailboxView, UidSetCompacts) {
  auto s = to_uid_set({1, 2, 3, 5, 7, 8});
  ASSERT_EQ(s.ranges.size(), 3u);
  EXPECT_EQ(s.ranges[0].first, 1u);
  EXPECT_EQ(s.ranges[0].last, 3u);
  EXPECT_EQ(s.ranges[2].first, 7u);
  EXPECT_EQ(s.ranges[2].last, 8u);
}

}  // namespace
}  // namespace postino::imap::server
