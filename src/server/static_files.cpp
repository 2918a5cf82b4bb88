#include "server/static_files.hpp"

#include "server/url_util.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rivet::server {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kOk = 200;
constexpr unsigned kPermanentRedirect = 308;
constexpr unsigned kBadRequest = 400;
constexpr unsigned kNotFound = 404;
constexpr unsigned kMethodNotAllowed = 405;
constexpr unsigned kServerError = 500;

constexpr std::string_view kIndex = "index.html";
// Vite writes content-hashed file names here: a changed file gets a new name.
constexpr std::string_view kAssetsDir = "assets/";
constexpr std::string_view kCacheImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kCacheRevalidate = "no-cache";
// The page talks only to its own origin; it is never framed (it holds tokens).
constexpr std::string_view kPagePolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
constexpr char kDel = 0x7f;

struct MimeType {
  std::string_view extension;
  std::string_view type;
};

constexpr std::array kMimeTypes = {
    MimeType{".html", "text/html; charset=utf-8"},
    MimeType{".js", "text/javascript; charset=utf-8"},
    MimeType{".mjs", "text/javascript; charset=utf-8"},
    MimeType{".css", "text/css; charset=utf-8"},
    MimeType{".json", "application/json"},
    MimeType{".map", "application/json"},
    MimeType{".webmanifest", "application/manifest+json"},
    MimeType{".svg", "image/svg+xml"},
    MimeType{".png", "image/png"},
    MimeType{".jpg", "image/jpeg"},
    MimeType{".jpeg", "image/jpeg"},
    MimeType{".gif", "image/gif"},
    MimeType{".webp", "image/webp"},
    MimeType{".ico", "image/x-icon"},
    MimeType{".woff2", "font/woff2"},
    MimeType{".woff", "font/woff"},
    MimeType{".txt", "text/plain; charset=utf-8"},
};

HttpResponse text_response(unsigned status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.set("content-type", "text/plain; charset=utf-8");
  r.set("cache-control", "no-store");
  r.body = std::move(body);
  return r;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    return std::nullopt;
  }
  return std::move(out).str();
}

bool is_inside(const fs::path& root, const fs::path& path) {
  auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return r == root.end();
}

// `relative` under `root` when it is a regular file that, symbolic links resolved, is still
// under root.
std::optional<fs::path> find_file(const fs::path& root, const std::string& relative) {
  std::error_code ec;
  auto real_root = fs::canonical(root, ec);
  if (ec) {
    return std::nullopt;
  }
  auto path = fs::canonical(real_root / relative, ec);
  if (ec || !fs::is_regular_file(path, ec) || !is_inside(real_root, path)) {
    return std::nullopt;
  }
  return path;
}

// A path the app would never route to: a file name with an extension, or a built asset.
bool names_a_file(std::string_view relative) {
  if (relative.starts_with(kAssetsDir)) {
    return true;
  }
  auto slash = relative.rfind('/');
  auto last = slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  return last.find('.') != std::string_view::npos;
}

}  // namespace

bool is_ui_path(std::string_view path) noexcept {
  if (!path.starts_with(kUiPrefix)) {
    return false;
  }
  return path.size() == kUiPrefix.size() || path[kUiPrefix.size()] == '/';
}

std::string_view content_type_for(std::string_view file_name) noexcept {
  auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) {
    return "application/octet-stream";
  }
  std::string extension;
  for (char c : file_name.substr(dot)) {
    extension.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  for (const auto& m : kMimeTypes) {
    if (m.extension == extension) {
      return m.type;
    }
  }
  return "application/octet-stream";
}

std::optional<std::string> safe_relative_path(std::string_view raw) {
  if (raw.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  auto decoded = percent_decode(raw);
  if (!decoded) {
    return std::nullopt;
  }
  for (char c : *decoded) {
    if (static_cast<unsigned char>(c) < 0x20 || c == kDel || c == '\\') {
      return std::nullopt;
    }
  }
  std::string out;
  std::size_t start = 0;
  const std::string_view text = *decoded;
  while (start <= text.size()) {
    auto end = text.find('/', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    auto segment = text.substr(start, end - start);
    if (segment == "." || segment == "..") {
      return std::nullopt;
    }
    if (!segment.empty()) {
      if (!out.empty()) {
        out.push_back('/');
      }
      out.append(segment);
    }
    start = end + 1;
  }
  return out;
}

namespace {

constexpr std::string_view kUiMissing =
    "The dashboard is not built. Run `make build` (it writes build/ui/), or point --ui-dir / "
    "RIVET_UI_DIR at a built dashboard.\n";
constexpr std::string_view kSiteMissing =
    "The page is not built. Run `make build` (the demo's page goes to build/demo-ui/), or point "
    "--site-dir / RIVET_SITE_DIR at a directory with an index.html.\n";

HttpResponse method_not_allowed(std::string_view what) {
  auto r = text_response(kMethodNotAllowed, std::string(what) + " answers GET and HEAD only.\n");
  r.set("allow", "GET, HEAD");
  return r;
}

// The answer for `relative` (already checked by safe_relative_path) under `root`: the file, or
// index.html for "" (and, with `app_routes`, for any path that does not look like a file).
HttpResponse serve_from(const fs::path& root, const std::string& relative, bool app_routes,
                        std::string_view missing_build) {
  auto index = find_file(root, std::string(kIndex));
  if (!index) {
    return text_response(kNotFound, std::string(missing_build));
  }

  std::optional<fs::path> file;
  bool immutable = false;
  if (!relative.empty()) {
    file = find_file(root, relative);
    immutable = file && relative.starts_with(kAssetsDir);
    if (!file && (!app_routes || names_a_file(relative))) {
      return text_response(kNotFound, "Not found.\n");
    }
  }
  if (!file) {
    file = index;
  }

  auto body = read_file(*file);
  if (!body) {
    return text_response(kServerError, "The file could not be read.\n");
  }
  HttpResponse r;
  r.status = kOk;
  r.set("content-type", std::string(content_type_for(file->filename().string())));
  r.set("cache-control", std::string(immutable ? kCacheImmutable : kCacheRevalidate));
  r.set("x-content-type-options", "nosniff");
  if (*file == *index) {
    r.set("content-security-policy", std::string(kPagePolicy));
    r.set("referrer-policy", "no-referrer");
  }
  r.body = std::move(*body);
  return r;
}

}  // namespace

HttpResponse serve_ui(const std::string& ui_dir, const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return method_not_allowed("The dashboard");
  }
  auto target = split_target(request.target);
  if (target.path == kUiPrefix) {
    HttpResponse r;
    r.status = kPermanentRedirect;
    auto location = std::string(kUiPrefix) + "/";
    if (target.query) {
      location += "?";
      location += *target.query;
    }
    r.set("location", std::move(location));
    r.set("cache-control", "no-cache");
    return r;
  }
  auto relative = safe_relative_path(target.path.substr(kUiPrefix.size() + 1));
  if (!relative) {
    return text_response(kBadRequest, "Invalid dashboard path.\n");
  }
  return serve_from(fs::path(ui_dir), *relative, true, kUiMissing);
}

bool is_site_path(std::string_view path) noexcept {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  auto rest = path.substr(1);
  if (rest.empty() || rest.starts_with(kAssetsDir)) {
    return true;
  }
  // One segment naming a file (index.html, favicon.svg): the API has no such path.
  return rest.find('/') == std::string_view::npos && rest.find('.') != std::string_view::npos;
}

HttpResponse serve_site(const std::string& site_dir, const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return method_not_allowed("The page");
  }
  auto target = split_target(request.target);
  auto relative = safe_relative_path(target.path.substr(target.path.empty() ? 0 : 1));
  if (!relative) {
    return text_response(kBadRequest, "Invalid path.\n");
  }
  return serve_from(fs::path(site_dir), *relative, false, kSiteMissing);
}

}  // namespace rivet::server
