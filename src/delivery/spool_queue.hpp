// SpoolQueue: the interim OutboundQueue. Each message becomes one file
// data_dir/queue/<id>.msg: an envelope section of "key: value" lines (values
// percent-encoded), an empty line, then the raw message bytes. The file is
// written under data_dir/queue/tmp/, fsync'd, renamed into place and the
// directory fsync'd, so an accepted message survives a crash. The server
// now queues through queue::Queue (src/queue); at start it imports files
// left in this format with read_spool_file() and removes them.
// Ownership: owns one worker thread for the blocking file I/O.
// Thread rules: enqueue() may be called from any coroutine concurrently; it
// never blocks the caller's thread.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <string>
#include <string_view>

#include "delivery/outbound.hpp"

namespace postino::delivery {

inline constexpr std::string_view kSpoolDir = "queue";
inline constexpr std::string_view kSpoolSuffix = ".msg";
inline constexpr size_t kMaxSpoolEnvelopeBytes = 1 << 20;  // refuse a bigger envelope section

class SpoolQueue : public OutboundQueue {
 public:
  explicit SpoolQueue(std::string data_dir);
  ~SpoolQueue() override;

  boost::asio::awaitable<Status> enqueue(OutboundMessage msg) override;

  // The directory files land in (data_dir/queue).
  const std::string& directory() const { return dir_; }

  // Blocking form of enqueue (used by the awaitable one and by tests).
  Status write(const OutboundMessage& msg);

 private:
  std::string dir_;
  boost::asio::thread_pool pool_;
};

// The serialized file content, and its inverse.
std::string serialize_spool(const OutboundMessage& msg);
Result<OutboundMessage> parse_spool(std::string_view content);
Result<OutboundMessage> read_spool_file(const std::string& path);

}  // namespace postino::delivery
