#include "base/result.hpp"

namespace postino {

const char* errc_name(Errc c) {
  switch (c) {
    case Errc::invalid:
      return "invalid";
    case Errc::not_found:
      return "not_found";
    case Errc::exists:
      return "exists";
    case Errc::io:
      return "io";
    case Errc::quota:
      return "quota";
    case Errc::limit:
      return "limit";
    case Errc::busy:
      return "busy";
    case Errc::unavailable:
      return "unavailable";
    case Errc::auth:
      return "auth";
    case Errc::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace postino
