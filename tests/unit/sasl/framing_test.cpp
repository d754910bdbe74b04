#include "sasl/framing.hpp"

#include <gtest/gtest.h>

namespace postino::sasl {
namespace {

TEST(Framing, DecodeResponse) {
  auto cancel = decode_response("*");
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->kind, ResponseKind::Cancel);

  auto empty = decode_response("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->kind, ResponseKind::Data);
  EXPECT_EQ(empty->data, "");

  auto data = decode_response("dXNlcg==");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->data, "user");

  auto bad = decode_response("not base64!");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid);

  auto big = decode_response(std::string(20000, 'A'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::limit);
}

TEST(Framing, InitialResponse) {
  auto eq = decode_initial_response("=");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(*eq, "");
  auto v = decode_initial_response("AGFsaWNlAHB3");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, std::string("\0alice\0pw", 9));
  EXPECT_FALSE(decode_initial_response("A").ok());
  EXPECT_EQ(encode_initial_response(""), "=");
  EXPECT_EQ(encode_initial_response("user"), "dXNlcg==");
  EXPECT_EQ(encode_challenge("Username:"), "VXNlcm5hbWU6");
}

}  // namespace
}  // namespace postino::sasl
