#include "control/control_handler.h"

#include "control/control.pb.h"

namespace picket {

namespace {

using control::Error;
using control::Reply;
using control::Request;

// Protobuf's string fields must hold UTF-8, and diagnostics may quote the bytes of a rule file:
// bytes that are not UTF-8 are written as \xNN.
std::string utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<uint8_t>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<uint8_t>(text[i + k]) & 0xc0) == 0x80;
    if (ok && n > 1) {  // no overlong forms, surrogates or code points past U+10FFFF
      uint32_t cp = c & (0x7f >> n);
      for (size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<uint8_t>(text[i + k]) & 0x3f);
      ok = cp >= (n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u) && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    }
    if (ok) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    }
  }
  return out;
}

void fill_changed(const Generation& g, const ChangeResult& r, control::Changed& out) {
  out.set_rules(static_cast<uint32_t>(g.signatures->rules().size()));
  out.set_rules_skipped(static_cast<uint32_t>(r.rules.skipped));
  out.set_bindings(static_cast<uint32_t>(g.identities->size()));
  out.set_policy_statements(g.policy ? static_cast<uint32_t>(g.policy->statements.size()) : 0);
  for (const Diagnostic& d : r.diagnostics) {
    if (d.severity == Severity::kWarning) out.add_warnings(utf8(d.to_string()));
  }
}

void fail(Reply& reply, Error::Code code, const std::string& message) {
  reply.set_ok(false);
  reply.mutable_error()->set_code(code);
  reply.mutable_error()->set_message(utf8(message));
}

NamedText named(const control::Text& t, const char* fallback) {
  return {t.name().empty() ? fallback : t.name(), t.content()};
}

}  // namespace

ControlHandler::ControlHandler(Controller& controller, DaemonStatus& status,
                               std::function<int64_t()> now_ns)
    : controller_(controller), status_(status), now_ns_(std::move(now_ns)) {}

std::string ControlHandler::refuse(const std::string& why) {
  ++requests_;
  ++refused_;
  Reply reply;
  reply.set_version(kControlVersion);
  fail(reply, Error::BAD_MESSAGE, why);
  reply.set_generation(controller_.latest());
  return reply.SerializeAsString();
}

std::string ControlHandler::handle(std::string_view bytes) {
  ++requests_;
  Reply reply;
  reply.set_version(kControlVersion);
  Request request;
  if (bytes.size() > kMaxRequestBytes) {
    fail(reply, Error::BAD_MESSAGE,
         "the request is " + std::to_string(bytes.size()) + " bytes; at most " + std::to_string(kMaxRequestBytes));
  } else if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    fail(reply, Error::BAD_MESSAGE, "the request is not a picket.control.Request message");
  } else if (request.version() != kControlVersion) {
    fail(reply, Error::BAD_VERSION,
         "control API version " + std::to_string(request.version()) + " asked; this picketd speaks version " +
             std::to_string(kControlVersion));
  } else if (request.command_case() == Request::COMMAND_NOT_SET) {
    fail(reply, Error::UNKNOWN_COMMAND, "the request names no command this picketd knows");
  } else if (request.command_case() == Request::kCounters) {
    reply.set_ok(true);
    status_.counters(*reply.mutable_counters());
  } else if (request.command_case() == Request::kHealth) {
    reply.set_ok(true);
    control::Health& h = *reply.mutable_health();
    status_.health(h);
    const auto g = controller_.current();
    h.set_generation(g->number);
    h.set_rules(static_cast<uint32_t>(g->signatures->rules().size()));
    h.set_bindings(static_cast<uint32_t>(g->identities->size()));
    h.set_identities(static_cast<uint32_t>(g->identities->registry().in_use()));
    h.set_policy(!g->policy ? "none" : g->policy->mode == PolicyMode::kAudit ? "audit" : "enforce");
  } else {
    ChangeResult result;
    switch (request.command_case()) {
      case Request::kLoadRules: {
        std::vector<NamedText> files;
        for (const auto& f : request.load_rules().files()) files.push_back(named(f, "rules"));
        result = controller_.load_rules(files, now_ns_());
        break;
      }
      case Request::kUpsert: {
        std::vector<BindingChange> changes;
        for (const auto& b : request.upsert().bindings()) changes.push_back({b.identity(), b.prefix(), b.ttl_ms()});
        result = controller_.upsert(changes, now_ns_());
        break;
      }
      case Request::kLoadImage: {
        std::string why;
        if (std::optional<TableImage> image = parse_table_image(request.load_image().image(), why)) {
          result = controller_.load_image(*image);
        } else {
          result.message = request.load_image().name() + ": " + why;
        }
        break;
      }
      case Request::kRevoke:
        result = controller_.revoke({request.revoke().prefixes().begin(), request.revoke().prefixes().end()}, now_ns_());
        break;
      case Request::kReplacePolicy:
        result = controller_.replace_policy(named(request.replace_policy().policy(), "policy"), now_ns_());
        break;
      default:
        break;
    }
    if (result.ok) {
      reply.set_ok(true);
      fill_changed(*controller_.current(), result, *reply.mutable_changed());
    } else {
      fail(reply, Error::INVALID, result.message);
      for (const std::string& line : diagnostic_lines(result.diagnostics, false)) {
        reply.mutable_error()->add_diagnostics(utf8(line));
      }
    }
  }
  if (!reply.ok()) ++refused_;
  reply.set_generation(controller_.latest());
  return reply.SerializeAsString();
}

}  // namespace picket
