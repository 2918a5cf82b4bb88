#pragma once
// Test support: reads samples back from a Prometheus text page (exposition format 0.0.4), so
// tests compare values, not the serializer's label order or number formatting. Tests only.

#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;  // values unescaped
  double value = 0;
};

/// Every sample line of `text` (comments and blank lines skipped). A line it cannot read ends
/// the list, which a test notices as a missing sample.
inline std::vector<PromSample> parse_prometheus(const std::string& text) {
  std::vector<PromSample> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    PromSample s;
    std::size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) {
      break;
    }
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find("=\"", i);
        if (eq == std::string::npos) {
          return out;
        }
        std::string key = line.substr(i, eq - i);
        std::string value;
        i = eq + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
            value += line[i] == 'n' ? '\n' : line[i];
          } else {
            value += line[i];
          }
        }
        s.labels.emplace(std::move(key), std::move(value));
        ++i;  // closing quote
        if (i < line.size() && line[i] == ',') {
          ++i;
        }
      }
      ++i;  // closing brace
    }
    s.value = std::strtod(line.c_str() + i, nullptr);
    out.push_back(std::move(s));
  }
  return out;
}

/// The value of the sample `name` with exactly `labels`; nullopt when the page lacks it.
inline std::optional<double> prom_value(const std::string& text, std::string_view name,
                                        const std::map<std::string, std::string>& labels = {}) {
  for (const auto& s : parse_prometheus(text)) {
    if (s.name == name && s.labels == labels) {
      return s.value;
    }
  }
  return std::nullopt;
}

}  // namespace rivet::testing
