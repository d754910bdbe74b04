// Name, address and flag rules of the SQLite backend.
#include <gtest/gtest.h>

#include "store/sqlite/write_ops.hpp"

namespace postino::store::sqlite {
namespace {

TEST(StoreRules, MailboxNames) {
  EXPECT_EQ(normalize_mailbox_name("inBox"), "INBOX");
  EXPECT_EQ(normalize_mailbox_name("Inbox/Sub"), "Inbox/Sub");
  EXPECT_TRUE(validate_mailbox_name("Lists/Ünïcode").ok());
  EXPECT_FALSE(validate_mailbox_name("").ok());
  EXPECT_FALSE(validate_mailbox_name("/lead").ok());
  EXPECT_FALSE(validate_mailbox_name("trail/").ok());
  EXPECT_FALSE(validate_mailbox_name("a//b").ok());
  EXPECT_FALSE(validate_mailbox_name(std::string("a\0b", 3)).ok());
  EXPECT_EQ(validate_mailbox_name(std::string(kMaxMailboxNameBytes + 1, 'x')).error().code,
            Errc::limit);
}

TEST(StoreRules, Flags) {
  auto f = normalize_flags({"\\SEEN", "\\seen", "$Label1", "$label1", "\\Recent", "\\draft"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (std::vector<std::string>{"\\Seen", "$Label1", "\\Draft"}));
  EXPECT_FALSE(normalize_flags({"\\Custom"}).ok());
  EXPECT_FALSE(normalize_flags({"with space"}).ok());
  EXPECT_FALSE(normalize_flags({"paren("}).ok());
  EXPECT_FALSE(normalize_flags({""}).ok());
  EXPECT_FALSE(normalize_flags({std::string(kMaxFlagBytes + 1, 'k')}).ok());
  std::vector<std::string> many;
  for (size_t i = 0; i <= kMaxFlagsPerMessage; ++i) many.push_back("k" + std::to_string(i));
  EXPECT_EQ(normalize_flags(many).error().code, Errc::limit);
  EXPECT_EQ(split_flags(join_flags({"\\Seen", "a", "b"})),
            (std::vector<std::string>{"\\Seen", "a", "b"}));
  EXPECT_TRUE(split_flags("").empty());
}

TEST(StoreRules, Addresses) {
  EXPECT_EQ(*normalize_address(" Bob@Example.COM "), "bob@example.com");
  EXPECT_FALSE(normalize_address("bob").ok());
  EXPECT_FALSE(normalize_address("@example.com").ok());
  EXPECT_FALSE(normalize_address("bob@").ok());
  EXPECT_FALSE(normalize_address("a@b@c").ok());
  EXPECT_FALSE(normalize_address("a b@c").ok());
  EXPECT_FALSE(normalize_address(std::string(65, 'a') + "@x.org").ok());
  EXPECT_EQ(domain_of("bob@example.com"), "example.com");
}

}  // namespace
}  // namespace postino::store::sqlite
