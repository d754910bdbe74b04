// Privilege drop for a server started as root: bind the privileged ports
// first, then become the unprivileged service user (DESIGN.md "Security").
// The lead calls chown_tree(data_dir, user) (if needed) and then
// drop_privileges(user) between Server::add_listener() and Server::run().
// Thread rules: call before any I/O thread starts (setuid affects only the
// calling thread's view on some systems until all threads agree).
#pragma once

#include <string>

#include "base/result.hpp"

namespace postino::net {

// Not root: no-op (returns ok). Root: setgroups to the user's primary group,
// setgid, setuid; Errc::not_found if the user does not exist, Errc::internal
// if any step fails or root could be regained afterwards.
Status drop_privileges(const std::string& user);

// Root only (no-op otherwise): gives path and everything below it to user.
Status chown_tree(const std::string& path, const std::string& user);

}  // namespace postino::net
