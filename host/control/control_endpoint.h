// Where the control sockets live, and who may reach them.
//
// Without CURVE keys the control API is a pair of Unix sockets only its owner can open, as
// Suricata's command socket is: anyone who can connect can load an empty rule set, so
// "loopback only" is no protection on a shared host. Their default home is the run directory
//
//   $PICKET_RUN_DIR            when set
//   /run/picket                for root
//   $XDG_RUNTIME_DIR/picket    for other users, when set
//   /tmp/picket-<uid>          otherwise
//
// holding `control` (commands) and `records` (decision records). picketd makes the directory
// with mode 0700, or refuses one that another user owns or that others can enter; each socket
// is made with mode 0600. picketctl finds the same defaults, so a daemon and a client run by
// one user meet without options. TCP endpoints, loopback included, need CURVE keys.
#pragma once

#include <string>
#include <string_view>

namespace picket {

std::string default_run_directory();
std::string default_control_endpoint();  // ipc://<run directory>/control
std::string default_publish_endpoint();  // ipc://<run directory>/records

// True for ipc:// and inproc:// endpoints: reachable only through the file system (or the
// process), so the file's permissions decide who connects.
bool is_local_endpoint(std::string_view endpoint);

// The file of an ipc:// endpoint; empty for any other.
std::string ipc_path(std::string_view endpoint);

// Makes `dir` with mode 0700 when it is absent (its parent must exist), or checks the one
// there: a directory (not a link), owned by this user, closed to group and others. False,
// with `error` naming the directory and what is wrong, otherwise.
bool prepare_private_directory(const std::string& dir, std::string& error);

}  // namespace picket
