#pragma once
/// The dashboard's files (docs/dashboard.md): `GET /ui/...` answered from a directory on disk,
/// the output of the Vite build. Pure request -> response functions over the file system, no
/// sockets; the router calls serve_ui() for every target that is_ui_path() accepts.
///
/// Rules:
/// - `/ui` redirects (308) to `/ui/`, keeping the query.
/// - `/ui/` and any unknown path that does not look like a file (no extension in its last
///   segment, not under `assets/`) answer `index.html`: the app routes on the client.
/// - Vite's content-hashed files under `assets/` are cached for a year (`immutable`); everything
///   else is `no-cache` so a rebuilt dashboard shows at once.
/// - A path with `..` or `.` segments (also percent-encoded), a backslash, a NUL or a malformed
///   escape answers 400 and never touches the disk; a file reached through a symbolic link that
///   leaves the directory answers 404.
/// - GET and HEAD only (the session drops the body of a HEAD answer); other methods get 405.
/// - A directory without `index.html` answers 404 with a hint to run `make build`.
///
/// Files are read whole on the calling thread: they are small (the whole dashboard is a few
/// hundred KiB) and requested by one person's browser, not on a hot path.

#include "server/http_types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace rivet::server {

/// The URL prefix the dashboard is served under.
inline constexpr std::string_view kUiPrefix = "/ui";

/// True when `path` (the request-target without its query) is `/ui` or lies under `/ui/`.
[[nodiscard]] bool is_ui_path(std::string_view path) noexcept;

/// The MIME type for a file name, by its extension; application/octet-stream when unknown.
[[nodiscard]] std::string_view content_type_for(std::string_view file_name) noexcept;

/// Percent-decodes the part of a path after `/ui/` and checks it: nullopt for `.`/`..` segments,
/// backslashes, NUL, control characters or malformed escapes. Empty segments are dropped, so
/// "a//b/" gives "a/b"; the empty path gives "".
[[nodiscard]] std::optional<std::string> safe_relative_path(std::string_view raw);

/// Answers one request whose path is_ui_path(), from the files under `ui_dir`.
[[nodiscard]] HttpResponse serve_ui(const std::string& ui_dir, const HttpRequest& request);

// -- the site at `/` ---------------------------------------------------------------------------
// A second, optional mount (ServerOptions::site_dir; rivet-demo serves its chat page there). It
// takes only paths the API never uses, so it shadows nothing: `/` (index.html), `/assets/...`
// and one-segment file names such as `/favicon.svg`. No fallback to index.html for other paths
// (they stay the API's), otherwise the rules above: same caching, the same checks, 400/404/405.

/// True when `path` is `/`, lies under `/assets/`, or is one segment with a dot in it.
[[nodiscard]] bool is_site_path(std::string_view path) noexcept;

/// Answers one GET or HEAD request whose path is_site_path(), from the files under `site_dir`.
[[nodiscard]] HttpResponse serve_site(const std::string& site_dir, const HttpRequest& request);

}  // namespace rivet::server
