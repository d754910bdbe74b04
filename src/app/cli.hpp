// The operator's command line (DESIGN.md "The operator's interface"):
//   postino [--config FILE] serve | domain … | user … | alias … | mailbox list … | message …
// Parsing and the directory/mailbox/message commands live here; `serve` is in
// serve.cpp. Every error is one line on stderr and a non-zero exit.
// Thread rules: runs on the main thread before any server thread exists.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "store/backend.hpp"

namespace postino::app {

// Exit codes: 0 ok, 1 the command failed, 2 bad usage or config.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

int run_cli(int argc, char** argv);

// serve.cpp
int serve(const config::Config& cfg);

// queue_cli.cpp: `queue list | show ID | retry ID | remove ID | flush`.
int queue_command(store::StoreBackend& backend, const std::vector<std::string>& args);

}  // namespace postino::app
