#include "server/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace rivet::server {
namespace {

namespace fs = std::filesystem;

constexpr unsigned kOk = 200;
constexpr unsigned kPermanentRedirect = 308;
constexpr unsigned kBadRequest = 400;
constexpr unsigned kNotFound = 404;
constexpr unsigned kMethodNotAllowed = 405;

const std::string kIndexHtml = "<!doctype html><title>dashboard</title>";
const std::string kScript = "console.log('app')";

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

HttpRequest get(std::string target, std::string method = "GET") {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string header(const HttpResponse& r, std::string_view name) {
  const auto* v = r.header(name);
  return v != nullptr ? *v : std::string("(absent)");
}

// A built dashboard in a temporary directory, with a secret file beside it.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    base_ = fs::temp_directory_path() / ("rivet-static-test-" + std::to_string(rd()));
    dir_ = (base_ / "ui").string();
    write(base_ / "ui" / "index.html", kIndexHtml);
    write(base_ / "ui" / "assets" / "index-Ab12Cd.js", kScript);
    write(base_ / "ui" / "assets" / "index-Ef34Gh.css", "body{}");
    write(base_ / "ui" / "favicon.svg", "<svg/>");
    write(base_ / "ui" / "icon.png", "png");
    write(base_ / "ui" / "app.webmanifest", "{}");
    write(base_ / "ui" / "data.json", "{}");
    write(base_ / "ui" / "favicon.ico", "ico");
    write(base_ / "ui" / "assets" / "font-1a.woff2", "woff2");
    write(base_ / "secret.txt", "secret");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  fs::path base_;
  std::string dir_;
};

TEST(StaticFilesPathTest, RecognisesOnlyTheUiPrefix) {
  EXPECT_TRUE(is_ui_path("/ui"));
  EXPECT_TRUE(is_ui_path("/ui/"));
  EXPECT_TRUE(is_ui_path("/ui/assets/a.js"));
  EXPECT_FALSE(is_ui_path("/uix"));
  EXPECT_FALSE(is_ui_path("/u"));
  EXPECT_FALSE(is_ui_path("/actors"));
  EXPECT_FALSE(is_ui_path("/gateway/abc/ui/"));
}

TEST(StaticFilesPathTest, ContentTypesByExtension) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.PNG"), "image/png");
  EXPECT_EQ(content_type_for("a.json"), "application/json");
  EXPECT_EQ(content_type_for("favicon.ico"), "image/x-icon");
  EXPECT_EQ(content_type_for("f.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
  EXPECT_EQ(content_type_for("a.exe"), "application/octet-stream");
}

TEST(StaticFilesPathTest, RelativePathsAreNormalisedOrRefused) {
  EXPECT_EQ(safe_relative_path(""), "");
  EXPECT_EQ(safe_relative_path("assets/a.js"), "assets/a.js");
  EXPECT_EQ(safe_relative_path("a//b/"), "a/b");
  EXPECT_EQ(safe_relative_path("a%20b"), "a b");
  EXPECT_EQ(safe_relative_path("..."), "...");
  EXPECT_EQ(safe_relative_path("a..b"), "a..b");
  for (const auto* bad :
       {"..", "../secret.txt", "a/../../secret.txt", "a/..", "./a", "a/./b", "%2e%2e/secret.txt",
        "%2E%2E/secret.txt", ".%2e/secret.txt", "a%2f..%2f..%2fsecret.txt", "..%5csecret.txt",
        "a\\b", "..\\secret.txt", "a%00b", "a%0ab", "%zz", "%4", "%ff"}) {
    EXPECT_FALSE(safe_relative_path(bad).has_value()) << bad;
  }
}

TEST_F(StaticFilesTest, RootRedirectsToTheSlash) {
  auto r = serve_ui(dir_, get("/ui"));
  EXPECT_EQ(r.status, kPermanentRedirect);
  EXPECT_EQ(header(r, "location"), "/ui/");
  auto q = serve_ui(dir_, get("/ui?actor=1"));
  EXPECT_EQ(header(q, "location"), "/ui/?actor=1");
}

TEST_F(StaticFilesTest, IndexIsServedAndRevalidated) {
  auto r = serve_ui(dir_, get("/ui/"));
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(r.body, kIndexHtml);
  EXPECT_EQ(header(r, "content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(r, "cache-control"), "no-cache");
  EXPECT_NE(header(r, "content-security-policy"), "(absent)");
  EXPECT_EQ(serve_ui(dir_, get("/ui/index.html")).body, kIndexHtml);
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutable) {
  auto r = serve_ui(dir_, get("/ui/assets/index-Ab12Cd.js"));
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(r.body, kScript);
  EXPECT_EQ(header(r, "content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(r, "cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header(r, "x-content-type-options"), "nosniff");
  EXPECT_EQ(header(serve_ui(dir_, get("/ui/assets/index-Ef34Gh.css")), "content-type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(header(serve_ui(dir_, get("/ui/assets/font-1a.woff2")), "content-type"),
            "font/woff2");
}

TEST_F(StaticFilesTest, OtherFilesAreRevalidated) {
  auto svg = serve_ui(dir_, get("/ui/favicon.svg"));
  EXPECT_EQ(svg.status, kOk);
  EXPECT_EQ(header(svg, "content-type"), "image/svg+xml");
  EXPECT_EQ(header(svg, "cache-control"), "no-cache");
  EXPECT_EQ(header(serve_ui(dir_, get("/ui/icon.png")), "content-type"), "image/png");
  EXPECT_EQ(header(serve_ui(dir_, get("/ui/data.json")), "content-type"), "application/json");
  EXPECT_EQ(header(serve_ui(dir_, get("/ui/favicon.ico")), "content-type"), "image/x-icon");
}

TEST_F(StaticFilesTest, AppRoutesFallBackToIndex) {
  for (const auto* target : {"/ui/actors", "/ui/actors/abc123/state", "/ui/actors/abc?tab=x"}) {
    auto r = serve_ui(dir_, get(target));
    EXPECT_EQ(r.status, kOk) << target;
    EXPECT_EQ(r.body, kIndexHtml) << target;
    EXPECT_EQ(header(r, "cache-control"), "no-cache") << target;
  }
}

TEST_F(StaticFilesTest, MissingFilesAre404) {
  EXPECT_EQ(serve_ui(dir_, get("/ui/assets/gone-123.js")).status, kNotFound);
  EXPECT_EQ(serve_ui(dir_, get("/ui/assets/noextension")).status, kNotFound);
  EXPECT_EQ(serve_ui(dir_, get("/ui/missing.png")).status, kNotFound);
}

TEST_F(StaticFilesTest, TraversalIsRefusedBeforeTheDisk) {
  for (const auto* target :
       {"/ui/../secret.txt", "/ui/assets/../../secret.txt", "/ui/%2e%2e/secret.txt",
        "/ui/%2E%2e/secret.txt", "/ui/..%2fsecret.txt", "/ui/..%5csecret.txt",
        "/ui/..\\secret.txt", "/ui/a%00.js", "/ui/%00", "/ui/./index.html", "/ui/%zz"}) {
    auto r = serve_ui(dir_, get(target));
    EXPECT_EQ(r.status, kBadRequest) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, SymlinksLeavingTheDirectoryAreNotFollowed) {
  std::error_code ec;
  fs::create_symlink(base_ / "secret.txt", base_ / "ui" / "leak.txt", ec);
  ASSERT_FALSE(ec) << ec.message();
  auto r = serve_ui(dir_, get("/ui/leak.txt"));
  EXPECT_EQ(r.status, kNotFound);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

TEST_F(StaticFilesTest, HeadIsAnsweredLikeGet) {
  // The session drops the body of a HEAD answer; the headers are those of a GET.
  auto head = serve_ui(dir_, get("/ui/", "HEAD"));
  auto body = serve_ui(dir_, get("/ui/"));
  EXPECT_EQ(head.status, kOk);
  EXPECT_EQ(header(head, "content-type"), header(body, "content-type"));
  EXPECT_EQ(head.body.size(), body.body.size());
}

TEST_F(StaticFilesTest, OtherMethodsAre405) {
  for (const auto* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    auto r = serve_ui(dir_, get("/ui/", method));
    EXPECT_EQ(r.status, kMethodNotAllowed) << method;
    EXPECT_EQ(header(r, "allow"), "GET, HEAD");
  }
}

TEST_F(StaticFilesTest, MissingBuildSaysHowToMakeIt) {
  for (const auto* target : {"/ui/", "/ui/assets/index-Ab12Cd.js", "/ui/actors"}) {
    auto r = serve_ui((base_ / "nowhere").string(), get(target));
    EXPECT_EQ(r.status, kNotFound) << target;
    EXPECT_NE(r.body.find("make build"), std::string::npos) << target;
  }
}

// -- the site at `/` (ServerOptions::site_dir) -------------------------------------------------

TEST(StaticFilesPathTest, SitePathsLeaveTheApiAlone) {
  for (const auto* path :
       {"/", "/index.html", "/favicon.svg", "/assets/index-Ab12Cd.js", "/assets/a/b.css"}) {
    EXPECT_TRUE(is_site_path(path)) << path;
  }
  for (const auto* path : {"", "/health", "/metadata", "/metrics", "/datacenters", "/actors",
                           "/actors/names", "/actors/abc/kv/keys/a.b", "/gateway/abc/action/x",
                           "/gateway/a.b/connect", "/ui/", "/assets", "/v1.2/x"}) {
    EXPECT_FALSE(is_site_path(path)) << path;
  }
}

TEST_F(StaticFilesTest, SiteServesIndexAssetsAndFiles) {
  auto index = serve_site(dir_, get("/"));
  EXPECT_EQ(index.status, kOk);
  EXPECT_EQ(index.body, kIndexHtml);
  EXPECT_EQ(header(index, "cache-control"), "no-cache");
  EXPECT_NE(header(index, "content-security-policy"), "(absent)");
  EXPECT_EQ(serve_site(dir_, get("/?room=lobby")).body, kIndexHtml);
  EXPECT_EQ(serve_site(dir_, get("/index.html")).body, kIndexHtml);
  auto script = serve_site(dir_, get("/assets/index-Ab12Cd.js"));
  EXPECT_EQ(script.status, kOk);
  EXPECT_EQ(script.body, kScript);
  EXPECT_EQ(header(script, "cache-control"), "public, max-age=31536000, immutable");
  auto svg = serve_site(dir_, get("/favicon.svg", "HEAD"));
  EXPECT_EQ(svg.status, kOk);
  EXPECT_EQ(header(svg, "content-type"), "image/svg+xml");
}

TEST_F(StaticFilesTest, SiteHasNoAppRoutesAndRefusesTraversal) {
  EXPECT_EQ(serve_site(dir_, get("/assets/gone-123.js")).status, kNotFound);
  EXPECT_EQ(serve_site(dir_, get("/missing.png")).status, kNotFound);
  for (const auto* target : {"/%2e%2e/secret.txt", "/..%2fsecret.txt", "/a%00.js", "/..%5c.txt"}) {
    auto r = serve_site(dir_, get(target));
    EXPECT_EQ(r.status, kBadRequest) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
  }
  EXPECT_EQ(serve_site(dir_, get("/", "POST")).status, kMethodNotAllowed);
  auto missing = serve_site((base_ / "nowhere").string(), get("/"));
  EXPECT_EQ(missing.status, kNotFound);
  EXPECT_NE(missing.body.find("--site-dir"), std::string::npos);
}

}  // namespace
}  // namespace rivet::server
