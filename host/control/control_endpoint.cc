#include "control/control_endpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace picket {

std::string default_run_directory() {
  if (const char* dir = std::getenv("PICKET_RUN_DIR"); dir && *dir) return dir;
  if (geteuid() == 0) return "/run/picket";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime) return std::string(runtime) + "/picket";
  return "/tmp/picket-" + std::to_string(geteuid());
}

std::string default_control_endpoint() { return "ipc://" + default_run_directory() + "/control"; }

std::string default_publish_endpoint() { return "ipc://" + default_run_directory() + "/records"; }

bool is_local_endpoint(std::string_view e) { return e.starts_with("ipc://") || e.starts_with("inproc://"); }

std::string ipc_path(std::string_view e) {
  if (!e.starts_with("ipc://")) return "";
  return std::string(e.substr(6));
}

bool prepare_private_directory(const std::string& dir, std::string& error) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = dir + ": cannot make the control sockets' directory: " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) {
    error = dir + ": " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    error = dir + ": not a directory (a link or a file is there); the control sockets need a directory of their own";
    return false;
  }
  if (st.st_uid != geteuid()) {
    error = dir + ": owned by uid " + std::to_string(st.st_uid) +
            ", not by this user; the control sockets will not be put where another user can reach them";
    return false;
  }
  if (st.st_mode & 077) {
    error = dir + ": group or others may enter it (mode " + std::to_string((st.st_mode >> 6) & 7) +
            std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
            "); make it 0700 or remove it, and picketd makes it";
    return false;
  }
  return true;
}

}  // namespace picket
