#include "applayer/http/http_uri.h"

#include "base/text.h"

namespace picket {
namespace {

std::string percent_decode(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    int hi = 0, lo = 0;
    if (raw[i] == '%' && i + 2 < raw.size() && (hi = hex_value(raw[i + 1])) >= 0 &&
        (lo = hex_value(raw[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else {
      out.push_back(raw[i]);
    }
  }
  return out;
}

// RFC 3986 5.2.4 on a path whose separators are already single '/'.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") in.remove_prefix(3);
    else if (in.substr(0, 2) == "./") in.remove_prefix(2);
    else if (in.substr(0, 3) == "/./") in.remove_prefix(2);
    else if (in == "/.") in = "/";
    else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      size_t cut = out.rfind('/');
      out.erase(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      size_t next = in.find('/', 1);
      if (next == std::string_view::npos) next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

}  // namespace

std::string normalize_uri(std::string_view raw) {
  std::string decoded = percent_decode(raw);
  const size_t query = decoded.find('?');
  std::string path;
  path.reserve(decoded.size());
  for (size_t i = 0; i < std::min(query, decoded.size()); ++i) {
    char c = decoded[i] == '\\' ? '/' : decoded[i];
    if (c == '/' && !path.empty() && path.back() == '/') continue;
    path.push_back(c);
  }
  std::string out = remove_dot_segments(path);
  if (query != std::string::npos) out.append(decoded, query, std::string::npos);
  return out;
}

}  // namespace picket
