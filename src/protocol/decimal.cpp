#include "protocol/decimal.hpp"

#include <algorithm>

namespace rivet::protocol {

std::string decimal_from_be_bytes(std::span<const std::uint8_t> bytes) {
  // Repeated division by 10 of a base-256 number; quadratic, so callers bound the length.
  std::vector<std::uint8_t> num(bytes.begin(), bytes.end());
  std::string digits;
  std::size_t start = 0;
  while (start < num.size() && num[start] == 0) {
    ++start;
  }
  while (start < num.size()) {
    unsigned rem = 0;
    for (std::size_t i = start; i < num.size(); ++i) {
      unsigned cur = (rem << 8) | num[i];
      num[i] = static_cast<std::uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
    while (start < num.size() && num[start] == 0) {
      ++start;
    }
  }
  if (digits.empty()) {
    return "0";
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

Bytes be_bytes_from_decimal(std::string_view digits) {
  // Little-endian accumulator: multiply by 10, add digit.
  std::vector<std::uint8_t> le;
  for (char c : digits) {
    unsigned carry = static_cast<unsigned>(c - '0');
    for (auto& b : le) {
      unsigned cur = b * 10U + carry;
      b = static_cast<std::uint8_t>(cur & 0xFF);
      carry = cur >> 8;
    }
    while (carry != 0) {
      le.push_back(static_cast<std::uint8_t>(carry & 0xFF));
      carry >>= 8;
    }
  }
  while (!le.empty() && le.back() == 0) {
    le.pop_back();
  }
  return Bytes(le.rbegin(), le.rend());
}

std::string increment_decimal(std::string digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return digits;
    }
    *it = '0';
  }
  digits.insert(digits.begin(), '1');
  return digits;
}

std::string decrement_decimal(std::string digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '0') {
      --*it;
      break;
    }
    *it = '9';
  }
  return strip_leading_zeros(digits);
}

std::string strip_leading_zeros(std::string_view digits) {
  auto first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) {
    return "0";
  }
  return std::string(digits.substr(first));
}

}  // namespace rivet::protocol
