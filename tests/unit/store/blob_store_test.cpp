// BlobStore: ids, layout, ranges, bad ids, removal.
#include "store/blob_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/test_util.hpp"

namespace postino::store::testing {
namespace {

TEST(BlobStore, IdIsSha256Hex) {
  EXPECT_EQ(BlobStore::id_of(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_TRUE(BlobStore::valid_id(BlobStore::id_of("x")));
  EXPECT_FALSE(BlobStore::valid_id("abc"));
  EXPECT_FALSE(BlobStore::valid_id(std::string(64, 'G')));
  EXPECT_FALSE(BlobStore::valid_id(std::string(62, 'a') + "/."));
}

TEST(BlobStore, WriteReadRangesRemove) {
  TempDir dir;
  auto bs = BlobStore::open(dir.path() + "/blobs");
  ASSERT_TRUE(bs.ok());
  std::string data;
  for (int i = 0; i < 100000; ++i) data += char(i % 251);
  std::string id = BlobStore::id_of(data);
  EXPECT_FALSE((*bs)->exists(id));
  EXPECT_EQ((*bs)->read(id).error().code, Errc::not_found);
  ASSERT_TRUE((*bs)->write(id, data));
  ASSERT_TRUE((*bs)->sync());
  EXPECT_TRUE((*bs)->exists(id));
  EXPECT_EQ((*bs)->path_of(id), dir.path() + "/blobs/" + id.substr(0, 2) + "/" + id);
  EXPECT_EQ(*(*bs)->size(id), data.size());
  EXPECT_EQ(*(*bs)->read(id), data);
  for (uint64_t off : {0ul, 1ul, 4095ul, 99999ul, 100000ul, 200000ul})
    for (uint64_t len : {0ul, 1ul, 7ul, 65536ul, uint64_t(std::string::npos)}) {
      std::string want = off >= data.size() ? "" : data.substr(off, len);
      EXPECT_EQ(*(*bs)->read(id, off, len), want) << off << "+" << len;
    }
  // Rewriting the same id is harmless (it replaces the file atomically).
  ASSERT_TRUE((*bs)->write(id, data));
  EXPECT_EQ(*(*bs)->read(id), data);
  ASSERT_TRUE((*bs)->remove(id));
  ASSERT_TRUE((*bs)->remove(id));
  EXPECT_FALSE((*bs)->exists(id));
  EXPECT_EQ((*bs)->write("../x", "a").error().code, Errc::invalid);
  EXPECT_EQ((*bs)->read("../x").error().code, Errc::invalid);
}

TEST(BlobStore, OpenDropsStaleTempFiles) {
  TempDir dir;
  { ASSERT_TRUE(BlobStore::open(dir.path()).ok()); }
  std::filesystem::path stale = std::filesystem::path(dir.path()) / "tmp" / "leftover";
  { std::ofstream(stale.string()) << "partial"; }
  ASSERT_TRUE(std::filesystem::exists(stale));
  ASSERT_TRUE(BlobStore::open(dir.path()).ok());
  EXPECT_FALSE(std::filesystem::exists(stale));
}

}  // namespace
}  // namespace postino::store::testing
