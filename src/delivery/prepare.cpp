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
  req.raw = std::move(raw);
  return req;
}

}  // namespace postino::delivery
