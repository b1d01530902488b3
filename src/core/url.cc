// The WHATWG basic URL parser (https://url.spec.whatwg.org/#concept-basic-url-parser) without state
// overrides (those only serve the URL API's setters), and the URL serializer.
//
// The state machine follows the standard state by state; the comments name the state and only note
// where the code's shape differs from the text. Differences of representation, all invisible in the
// result:
// - The input is walked as UTF-8 bytes (see url_internal.h for why that is equivalent).
// - The standard's "buffer" is a [begin, pointer) range of the input in the authority, host, port and
//   file host states, since those states only ever copy input into it.
// - A path that is a list of segments is kept serialized ("/a/b"): an empty list is "", pushing a
//   segment appends "/" and the segment, and shortening cuts at the last "/".
// - Validation errors that do not fail the parse are not reported.
//
// Parse is the crawler's hot path (every link of every page), so the record's strings live in a
// thread-local scratch that keeps its capacity between calls; a parse then allocates only the href.
#include "core/url.h"

#include <atomic>
#include <string>

#include "core/text.h"
#include "core/url_internal.h"

namespace hc {

namespace {

using url_internal::AppendEncoded;
using url_internal::EncodeSet;

constexpr int kEof = -1;

enum class SchemeKind : uint8_t { kOther, kHttp, kHttps, kWs, kWss, kFtp, kFile };

SchemeKind ClassifyScheme(std::string_view scheme) {
  if (scheme == "http") return SchemeKind::kHttp;
  if (scheme == "https") return SchemeKind::kHttps;
  if (scheme == "ws") return SchemeKind::kWs;
  if (scheme == "wss") return SchemeKind::kWss;
  if (scheme == "ftp") return SchemeKind::kFtp;
  if (scheme == "file") return SchemeKind::kFile;
  return SchemeKind::kOther;
}

// https://url.spec.whatwg.org/#default-port; -1 for none.
int DefaultPort(SchemeKind kind) {
  switch (kind) {
    case SchemeKind::kHttp:
    case SchemeKind::kWs:
      return 80;
    case SchemeKind::kHttps:
    case SchemeKind::kWss:
      return 443;
    case SchemeKind::kFtp:
      return 21;
    default:
      return -1;
  }
}

bool IsAsciiAlpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(int c) { return c >= '0' && c <= '9'; }

// https://url.spec.whatwg.org/#windows-drive-letter
bool IsWindowsDriveLetter(std::string_view s) {
  return s.size() == 2 && IsAsciiAlpha(static_cast<unsigned char>(s[0])) && (s[1] == ':' || s[1] == '|');
}
bool IsNormalizedWindowsDriveLetter(std::string_view s) { return IsWindowsDriveLetter(s) && s[1] == ':'; }

// https://url.spec.whatwg.org/#start-with-a-windows-drive-letter
bool StartsWithWindowsDriveLetter(std::string_view s) {
  if (s.size() < 2 || !IsWindowsDriveLetter(s.substr(0, 2))) return false;
  if (s.size() == 2) return true;
  const char third = s[2];
  return third == '/' || third == '\\' || third == '?' || third == '#';
}

// https://url.spec.whatwg.org/#single-dot-path-segment
bool IsSingleDotSegment(std::string_view s) { return s == "." || EqualsIgnoringAsciiCase(s, "%2e"); }

// https://url.spec.whatwg.org/#double-dot-path-segment
bool IsDoubleDotSegment(std::string_view s) {
  return s == ".." || EqualsIgnoringAsciiCase(s, ".%2e") || EqualsIgnoringAsciiCase(s, "%2e.") ||
         EqualsIgnoringAsciiCase(s, "%2e%2e");
}

// https://url.spec.whatwg.org/#c0-control-or-space
bool IsC0ControlOrSpace(char c) { return static_cast<unsigned char>(c) <= 0x20; }
bool IsTabOrNewline(char c) { return c == '\t' || c == '\n' || c == '\r'; }

// A URL record (https://url.spec.whatwg.org/#concept-url) while it is being parsed.
struct UrlRecord {
  std::string scheme;
  SchemeKind kind = SchemeKind::kOther;
  std::string username, password;
  bool has_host = false;
  std::string host;
  int32_t port = -1;
  bool opaque_path = false;
  std::string path;  // serialized list ("/a/b"), or the opaque path
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;

  void Clear() {
    scheme.clear();
    kind = SchemeKind::kOther;
    username.clear();
    password.clear();
    has_host = false;
    host.clear();
    port = -1;
    opaque_path = false;
    path.clear();
    has_query = false;
    query.clear();
    has_fragment = false;
    fragment.clear();
  }
  bool special() const { return kind != SchemeKind::kOther; }
  bool IncludesCredentials() const { return !username.empty() || !password.empty(); }
  // The first segment of a list path ("" when the list is empty).
  std::string_view FirstSegment() const {
    if (path.empty()) return {};
    const size_t end = path.find('/', 1);
    return std::string_view(path).substr(1, end == std::string::npos ? std::string::npos : end - 1);
  }
  bool HasSingleSegment() const { return !path.empty() && path.find('/', 1) == std::string::npos; }
  // https://url.spec.whatwg.org/#shorten-a-urls-path
  void ShortenPath() {
    if (kind == SchemeKind::kFile && HasSingleSegment() && IsNormalizedWindowsDriveLetter(FirstSegment())) {
      return;
    }
    if (!path.empty()) path.erase(path.rfind('/'));
  }
  void PushSegment(std::string_view segment) {
    path.push_back('/');
    path.append(segment);
  }
};

// Reused between parses on one thread; see the file comment.
struct ParseScratch {
  UrlRecord record;
  std::string cleaned_input;  // the input without tab/newline, or with ill-formed UTF-8 replaced
  std::string sanitized;
  std::string segment;  // the path state's buffer
  std::string host;     // scratch for the host parser
};

}  // namespace

// Runs the state machine over one input and serializes the record it builds into a Url.
class UrlBuilder {
 public:
  UrlBuilder(std::string_view input, const Url* base, ParseScratch& scratch)
      : base_(base), url_(scratch.record), segment_(scratch.segment) {
    url_.Clear();
    segment_.clear();
    input_ = Preprocess(input, scratch);
  }

  // nullptr on success, else the reason the standard fails the parse.
  const char* Run();
  Url Build() const;

 private:
  enum class State {
    kSchemeStart,
    kScheme,
    kNoScheme,
    kSpecialRelativeOrAuthority,
    kPathOrAuthority,
    kRelative,
    kRelativeSlash,
    kSpecialAuthoritySlashes,
    kSpecialAuthorityIgnoreSlashes,
    kAuthority,
    kHost,
    kPort,
    kFile,
    kFileSlash,
    kFileHost,
    kPathStart,
    kPath,
    kOpaquePath,
    kQuery,
    kFragment,
  };

  static std::string_view Preprocess(std::string_view input, ParseScratch& scratch);

  int At(ptrdiff_t i) const {
    return i >= 0 && static_cast<size_t>(i) < input_.size() ? static_cast<unsigned char>(input_[i]) : kEof;
  }
  std::string_view Buffer(ptrdiff_t p) const { return input_.substr(buffer_begin_, p - buffer_begin_); }
  bool IsSpecialSlash(int c) const { return c == '/' || (url_.special() && c == '\\'); }
  // How many bytes from `p` on are outside `set` (and, for a path, are neither '/' nor '\\'): bytes
  // the state would copy one by one without changing state.
  size_t RunLength(ptrdiff_t p, EncodeSet set, bool path) const {
    size_t q = static_cast<size_t>(p);
    while (q < input_.size()) {
      const auto b = static_cast<unsigned char>(input_[q]);
      if (url_internal::InEncodeSet(b, set) || (path && (b == '/' || b == '\\'))) break;
      ++q;
    }
    return q - static_cast<size_t>(p);
  }

  void CopyBaseAuthority() {
    url_.username.assign(base_->username());
    url_.password.assign(base_->password());
    url_.has_host = base_->has_host_;
    url_.host.assign(base_->host());
    url_.port = base_->port_;
  }
  void CopyBasePath() { url_.path.assign(base_->path()); }
  void CopyBaseQuery() {
    url_.has_query = base_->has_query_;
    url_.query.assign(base_->query());
  }
  void StartQuery() {
    url_.has_query = true;
    url_.query.clear();
    state_ = State::kQuery;
  }
  void StartFragment() {
    url_.has_fragment = true;
    url_.fragment.clear();
    state_ = State::kFragment;
  }
  // The authority state's '@': the buffer so far was userinfo.
  void TakeUserinfo(std::string_view buffer);

  const Url* base_;
  UrlRecord& url_;
  std::string& segment_;
  std::string_view input_;
  State state_ = State::kSchemeStart;
  ptrdiff_t buffer_begin_ = 0;
  bool at_sign_seen_ = false, inside_brackets_ = false, password_token_seen_ = false;
};

std::string_view UrlBuilder::Preprocess(std::string_view input, ParseScratch& scratch) {
  // Remove leading and trailing C0 control or space.
  size_t begin = 0, end = input.size();
  while (begin < end && IsC0ControlOrSpace(input[begin])) ++begin;
  while (end > begin && IsC0ControlOrSpace(input[end - 1])) --end;
  input = input.substr(begin, end - begin);
  // Remove all ASCII tab or newline.
  bool has_tab_or_newline = false;
  for (char c : input) {
    if (IsTabOrNewline(c)) {
      has_tab_or_newline = true;
      break;
    }
  }
  if (has_tab_or_newline) {
    scratch.cleaned_input.clear();
    for (char c : input) {
      if (!IsTabOrNewline(c)) scratch.cleaned_input.push_back(c);
    }
    input = scratch.cleaned_input;
  }
  // The standard parses a string of scalar values; bytes that are not UTF-8 become U+FFFD, as
  // decoding them would.
  if (!IsValidUtf8(input)) {
    scratch.sanitized.clear();
    AppendReplacingInvalidUtf8(input, scratch.sanitized);
    input = scratch.sanitized;
  }
  return input;
}

void UrlBuilder::TakeUserinfo(std::string_view buffer) {
  if (at_sign_seen_) (password_token_seen_ ? url_.password : url_.username).append("%40");
  at_sign_seen_ = true;
  for (char c : buffer) {
    if (c == ':' && !password_token_seen_) {
      password_token_seen_ = true;
      continue;
    }
    AppendEncoded(static_cast<unsigned char>(c), EncodeSet::kUserinfo,
                  password_token_seen_ ? url_.password : url_.username);
  }
}

const char* UrlBuilder::Run() {
  const auto size = static_cast<ptrdiff_t>(input_.size());
  uint32_t port_value = 0;
  bool port_has_digits = false;
  for (ptrdiff_t p = 0;; ++p) {
    const int c = At(p);
    switch (state_) {
      case State::kSchemeStart:
        if (IsAsciiAlpha(c)) {
          url_.scheme.push_back(AsciiLower(static_cast<char>(c)));
          state_ = State::kScheme;
        } else {
          state_ = State::kNoScheme;
          --p;
        }
        break;

      case State::kScheme:
        if (IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '+' || c == '-' || c == '.') {
          url_.scheme.push_back(AsciiLower(static_cast<char>(c)));
        } else if (c == ':') {
          url_.kind = ClassifyScheme(url_.scheme);
          if (url_.kind == SchemeKind::kFile) {
            state_ = State::kFile;
          } else if (url_.special() && base_ != nullptr && base_->scheme() == url_.scheme) {
            state_ = State::kSpecialRelativeOrAuthority;
          } else if (url_.special()) {
            state_ = State::kSpecialAuthoritySlashes;
          } else if (At(p + 1) == '/') {
            state_ = State::kPathOrAuthority;
            ++p;
          } else {
            url_.opaque_path = true;
            state_ = State::kOpaquePath;
          }
        } else {
          url_.scheme.clear();
          state_ = State::kNoScheme;
          p = -1;  // start over from the first code point
        }
        break;

      case State::kNoScheme:
        if (base_ == nullptr || (base_->has_opaque_path_ && c != '#')) {
          return base_ == nullptr ? "missing scheme (a relative URL needs a base)"
                                  : "cannot resolve against a base URL with an opaque path";
        }
        url_.scheme.assign(base_->scheme());
        url_.kind = ClassifyScheme(url_.scheme);
        if (base_->has_opaque_path_) {  // c is '#'
          url_.opaque_path = true;
          CopyBasePath();
          CopyBaseQuery();
          StartFragment();
        } else if (url_.kind != SchemeKind::kFile) {
          state_ = State::kRelative;
          --p;
        } else {
          state_ = State::kFile;
          --p;
        }
        break;

      case State::kSpecialRelativeOrAuthority:
        if (c == '/' && At(p + 1) == '/') {
          state_ = State::kSpecialAuthorityIgnoreSlashes;
          ++p;
        } else {
          state_ = State::kRelative;
          --p;
        }
        break;

      case State::kPathOrAuthority:
        if (c == '/') {
          state_ = State::kAuthority;
          buffer_begin_ = p + 1;
        } else {
          state_ = State::kPath;
          --p;
        }
        break;

      case State::kRelative:
        url_.scheme.assign(base_->scheme());
        url_.kind = ClassifyScheme(url_.scheme);
        if (IsSpecialSlash(c)) {
          state_ = State::kRelativeSlash;
        } else {
          CopyBaseAuthority();
          CopyBasePath();
          CopyBaseQuery();
          if (c == '?') {
            StartQuery();
          } else if (c == '#') {
            StartFragment();
          } else if (c != kEof) {
            url_.has_query = false;
            url_.query.clear();
            url_.ShortenPath();
            state_ = State::kPath;
            --p;
          }
        }
        break;

      case State::kRelativeSlash:
        if (IsSpecialSlash(c)) {
          state_ = url_.special() ? State::kSpecialAuthorityIgnoreSlashes : State::kAuthority;
          buffer_begin_ = p + 1;
        } else {
          CopyBaseAuthority();
          state_ = State::kPath;
          --p;
        }
        break;

      case State::kSpecialAuthoritySlashes:
        if (c == '/' && At(p + 1) == '/') {
          ++p;
        } else {
          --p;
        }
        state_ = State::kSpecialAuthorityIgnoreSlashes;
        break;

      case State::kSpecialAuthorityIgnoreSlashes:
        if (c != '/' && c != '\\') {
          state_ = State::kAuthority;
          --p;
          buffer_begin_ = p + 1;
        }
        break;

      case State::kAuthority:
        if (c == '@') {
          TakeUserinfo(Buffer(p));
          buffer_begin_ = p + 1;
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || (url_.special() && c == '\\')) {
          if (at_sign_seen_ && p == buffer_begin_) return "credentials without a host";
          p = buffer_begin_ - 1;  // the host state re-reads the buffer
          state_ = State::kHost;
        }
        break;

      case State::kHost:
        if (c == ':' && !inside_brackets_) {
          if (p == buffer_begin_) return "missing host";
          if (const char* error = url_internal::ParseHost(Buffer(p), !url_.special(), url_.host))
            return error;
          url_.has_host = true;
          state_ = State::kPort;
          port_value = 0;
          port_has_digits = false;
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || (url_.special() && c == '\\')) {
          if (url_.special() && p == buffer_begin_) return "missing host";
          if (const char* error = url_internal::ParseHost(Buffer(p), !url_.special(), url_.host))
            return error;
          url_.has_host = true;
          state_ = State::kPathStart;
          --p;
        } else {
          if (c == '[') inside_brackets_ = true;
          if (c == ']') inside_brackets_ = false;
        }
        break;

      case State::kPort:
        if (IsAsciiDigit(c)) {
          port_has_digits = true;
          // Clamp: anything past 65535 fails below, and leading zeros are allowed ("00080").
          port_value = port_value * 10 + static_cast<uint32_t>(c - '0');
          if (port_value > 65536) port_value = 65536;
        } else if (c == kEof || c == '/' || c == '?' || c == '#' || (url_.special() && c == '\\')) {
          if (port_has_digits) {
            if (port_value > 65535) return "port out of range";
            url_.port = static_cast<int32_t>(port_value) == DefaultPort(url_.kind)
                            ? -1
                            : static_cast<int32_t>(port_value);
          }
          state_ = State::kPathStart;
          --p;
        } else {
          return "invalid port";
        }
        break;

      case State::kFile:
        url_.scheme.assign("file");
        url_.kind = SchemeKind::kFile;
        url_.has_host = true;
        url_.host.clear();
        if (c == '/' || c == '\\') {
          state_ = State::kFileSlash;
        } else if (base_ != nullptr && base_->scheme() == "file") {
          url_.has_host = base_->has_host_;
          url_.host.assign(base_->host());
          CopyBasePath();
          CopyBaseQuery();
          if (c == '?') {
            StartQuery();
          } else if (c == '#') {
            StartFragment();
          } else if (c != kEof) {
            url_.has_query = false;
            url_.query.clear();
            if (!StartsWithWindowsDriveLetter(input_.substr(p))) {
              url_.ShortenPath();
            } else {
              url_.path.clear();
            }
            state_ = State::kPath;
            --p;
          }
        } else {
          state_ = State::kPath;
          --p;
        }
        break;

      case State::kFileSlash:
        if (c == '/' || c == '\\') {
          state_ = State::kFileHost;
          buffer_begin_ = p + 1;
        } else {
          if (base_ != nullptr && base_->scheme() == "file") {
            url_.has_host = base_->has_host_;
            url_.host.assign(base_->host());
            const std::string_view base_path = base_->path();
            const size_t end = base_path.find('/', 1);
            const std::string_view first =
                base_path.empty() ? std::string_view()
                                  : base_path.substr(1, end == std::string_view::npos ? end : end - 1);
            if (!StartsWithWindowsDriveLetter(input_.substr(p)) && IsNormalizedWindowsDriveLetter(first)) {
              url_.PushSegment(first);
            }
          }
          state_ = State::kPath;
          --p;
        }
        break;

      case State::kFileHost:
        if (c == kEof || c == '/' || c == '\\' || c == '?' || c == '#') {
          const std::string_view buffer = Buffer(p);
          --p;
          if (IsWindowsDriveLetter(buffer)) {
            // The Windows drive letter quirk: the buffer becomes the path state's buffer.
            segment_.assign(buffer);
            state_ = State::kPath;
          } else if (buffer.empty()) {
            url_.has_host = true;
            url_.host.clear();
            state_ = State::kPathStart;
          } else {
            if (const char* error = url_internal::ParseHost(buffer, false, url_.host)) return error;
            if (url_.host == "localhost") url_.host.clear();
            url_.has_host = true;
            state_ = State::kPathStart;
          }
        }
        break;

      case State::kPathStart:
        if (url_.special()) {
          state_ = State::kPath;
          if (c != '/' && c != '\\') --p;
        } else if (c == '?') {
          StartQuery();
        } else if (c == '#') {
          StartFragment();
        } else if (c != kEof) {
          state_ = State::kPath;
          if (c != '/') --p;
        }
        break;

      case State::kPath:
        if (c == kEof || IsSpecialSlash(c) || c == '?' || c == '#') {
          const bool slash = IsSpecialSlash(c);
          if (IsDoubleDotSegment(segment_)) {
            url_.ShortenPath();
            if (!slash) url_.PushSegment("");
          } else if (IsSingleDotSegment(segment_)) {
            if (!slash) url_.PushSegment("");
          } else {
            if (url_.kind == SchemeKind::kFile && url_.path.empty() && IsWindowsDriveLetter(segment_)) {
              segment_[1] = ':';
            }
            url_.PushSegment(segment_);
          }
          segment_.clear();
          if (c == '?') StartQuery();
          if (c == '#') StartFragment();
        } else {
          // Copy the run of bytes that need no encoding and end no segment in one go.
          const size_t run = RunLength(p, EncodeSet::kPath, true);
          if (run > 0) {
            segment_.append(input_.data() + p, run);
            p += static_cast<ptrdiff_t>(run) - 1;
          } else {
            AppendEncoded(static_cast<unsigned char>(c), EncodeSet::kPath, segment_);
          }
        }
        break;

      case State::kOpaquePath:
        if (c == '?') {
          StartQuery();
        } else if (c == '#') {
          StartFragment();
        } else if (c == ' ') {
          // A space right before the query or fragment is encoded so that the path never ends in a
          // space that a later serialization without them would expose (whatwg/url#844).
          const int next = At(p + 1);
          if (next == '?' || next == '#') {
            url_.path.append("%20");
          } else {
            url_.path.push_back(' ');
          }
        } else if (c != kEof) {
          AppendEncoded(static_cast<unsigned char>(c), EncodeSet::kC0Control, url_.path);
        }
        break;

      case State::kQuery:
        if (c == '#') {
          StartFragment();
        } else if (c != kEof) {
          const EncodeSet set = url_.special() ? EncodeSet::kSpecialQuery : EncodeSet::kQuery;
          const size_t run = RunLength(p, set, false);  // '#' is in both sets, so a run never spans it
          if (run > 0) {
            url_.query.append(input_.data() + p, run);
            p += static_cast<ptrdiff_t>(run) - 1;
          } else {
            AppendEncoded(static_cast<unsigned char>(c), set, url_.query);
          }
        }
        break;

      case State::kFragment:
        if (c != kEof) {
          // The fragment runs to the end of the input: encode the rest at once.
          AppendEncoded(input_.substr(p), EncodeSet::kFragment, url_.fragment);
          p = size - 1;
        }
        break;
    }
    if (p >= size) break;
  }
  return nullptr;
}

Url UrlBuilder::Build() const {
  // https://url.spec.whatwg.org/#concept-url-serializer, recording where each component lands.
  const UrlRecord& r = url_;
  Url url;
  std::string& out = url.href_;
  out.reserve(r.scheme.size() + r.username.size() + r.password.size() + r.host.size() + r.path.size() +
              r.query.size() + r.fragment.size() + 16);
  auto here = [&out] { return static_cast<uint32_t>(out.size()); };
  out.append(r.scheme);
  url.scheme_end_ = here();
  out.push_back(':');
  if (r.has_host) {
    out.append("//");
    url.username_begin_ = url.username_end_ = url.password_begin_ = url.password_end_ = here();
    if (r.IncludesCredentials()) {
      out.append(r.username);
      url.username_end_ = url.password_begin_ = url.password_end_ = here();
      if (!r.password.empty()) {
        out.push_back(':');
        url.password_begin_ = here();
        out.append(r.password);
        url.password_end_ = here();
      }
      out.push_back('@');
    }
    url.host_begin_ = here();
    out.append(r.host);
    url.host_end_ = here();
    if (r.port >= 0) {
      out.push_back(':');
      out.append(std::to_string(r.port));
    }
  } else {
    url.username_begin_ = url.username_end_ = url.password_begin_ = url.password_end_ = here();
    url.host_begin_ = url.host_end_ = here();
    // Without "/.", a path whose first segment is empty would read back as a host.
    if (!r.opaque_path && r.path.size() > 1 && r.path[0] == '/' && r.path[1] == '/') out.append("/.");
  }
  url.path_begin_ = here();
  out.append(r.path);
  url.path_end_ = here();
  url.query_begin_ = url.query_end_ = here();
  if (r.has_query) {
    out.push_back('?');
    url.query_begin_ = here();
    out.append(r.query);
    url.query_end_ = here();
  }
  url.fragment_begin_ = here();
  if (r.has_fragment) {
    out.push_back('#');
    url.fragment_begin_ = here();
    out.append(r.fragment);
  }
  url.port_ = r.port;
  url.has_query_ = r.has_query;
  url.has_fragment_ = r.has_fragment;
  url.has_host_ = r.has_host;
  url.has_opaque_path_ = r.opaque_path;
  return url;
}

namespace {
std::atomic<void (*)(std::string_view)> parse_observer{nullptr};
}  // namespace

void SetUrlParseObserverForTests(void (*observer)(std::string_view input)) { parse_observer.store(observer); }

Result<Url> Url::Parse(std::string_view input, const Url* base) {
  if (auto* observer = parse_observer.load(std::memory_order_relaxed)) observer(input);
  // Offsets are 32-bit; no real URL comes near 4 GiB, and the expansion by percent-encoding is at most
  // threefold.
  if (input.size() > (uint32_t{1} << 30)) return Status::InvalidArgument("URL is too long");
  thread_local ParseScratch scratch;
  UrlBuilder builder(input, base, scratch);
  if (const char* error = builder.Run()) return Status::InvalidArgument(error);
  return builder.Build();
}

std::string_view Url::scheme() const { return std::string_view(href_).substr(0, scheme_end_); }
std::string_view Url::username() const {
  return std::string_view(href_).substr(username_begin_, username_end_ - username_begin_);
}
std::string_view Url::password() const {
  return std::string_view(href_).substr(password_begin_, password_end_ - password_begin_);
}
std::string_view Url::host() const {
  return std::string_view(href_).substr(host_begin_, host_end_ - host_begin_);
}
std::optional<uint16_t> Url::port() const {
  if (port_ < 0) return std::nullopt;
  return static_cast<uint16_t>(port_);
}
std::string_view Url::path() const {
  return std::string_view(href_).substr(path_begin_, path_end_ - path_begin_);
}
std::string_view Url::query() const {
  return std::string_view(href_).substr(query_begin_, query_end_ - query_begin_);
}
bool Url::has_query() const { return has_query_; }
std::string_view Url::fragment() const {
  return has_fragment_ ? std::string_view(href_).substr(fragment_begin_) : std::string_view();
}
bool Url::has_fragment() const { return has_fragment_; }
bool Url::is_http() const {
  const std::string_view s = scheme();
  return s == "http" || s == "https";
}

}  // namespace hc
