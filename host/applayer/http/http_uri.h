// The normalised request URI rules see as http.uri, as libhtp makes it for Suricata, so that
// the spellings a server reads as one path are one path to the rules:
//
//   1. %XX decoded (a '%' not followed by two hex digits stays as it is);
//   2. in the path (up to the first '?'): '\' read as '/', as IIS and many servers do;
//      runs of '/' as one; "." and ".." segments removed as RFC 3986 (5.2.4) says.
//
//   /x/%2e%2e/etc//passwd   ->  /etc/passwd        /a/./b\c  ->  /a/b/c
//
// Double encoding (%252f) is decoded once, to %2f, as libhtp does by default.
#pragma once

#include <string>
#include <string_view>

namespace picket {

std::string normalize_uri(std::string_view raw);

}  // namespace picket
