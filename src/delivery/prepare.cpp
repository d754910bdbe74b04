#include "delivery/prepare.hpp"

#include "mime/imap_format.hpp"
#include "mime/message.hpp"

namespace postino::delivery {

store::AppendRequest prepare_append(std::shared_ptr<const std::string> raw) {
  store::AppendRequest req;
  auto msg = mime::parse_message(*raw);
  req.envelope = mime::envelope(msg);
  req.bodystructure = mime::bodystructure(msg, true);
  req.body = mime::bodystructure(msg, false);
  // IMAP SEARCH on header keys and FETCH of header sections read this copy
  // instead of the message file; a header too large for it is read from there.
  auto header = mime::header_bytes(msg, msg.root);
  if (header.size() <= store::kMaxCachedHeader) req.header_summary = std::string(header);
  req.raw = std::move(raw);
  return req;
}

}  // namespace postino::delivery
