#include "core/actor/state_chunks.hpp"

#include <rivet/common/error_codes.hpp>

#include "core/state_keys.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace rivet::detail {

namespace {

// -- hashing ---------------------------------------------------------------------------------

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;   // 2^64 / phi, odd
constexpr std::uint64_t kLaneMul = 0xd6e8feb86659fd93ULL;  // any odd constant with mixed bits

// splitmix64's output step: a bijection that spreads every input bit over the whole word.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

std::uint64_t load_le(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8U) | p[i];
  }
  return v;
}

// The rolling hash's byte table: fixed pseudo-random words (a different table would move every
// boundary, so it is part of the format only in that chunks written with it dedupe best).
constexpr std::array<std::uint64_t, 256> make_gear() {
  std::array<std::uint64_t, 256> table{};
  std::uint64_t state = 0x5249564554ULL;  // "RIVET"
  for (auto& word : table) {
    state += kGolden;
    word = mix(state);
  }
  return table;
}
constexpr auto kGear = make_gear();

// The rolling hash forgets a byte after 64 shifts, so a cut depends only on the 64 bytes before
// it (and on where its chunk started, through min/max size).
constexpr std::size_t kWindow = 64;

// -- byte order ------------------------------------------------------------------------------

void put_be(Bytes& out, std::uint64_t v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> static_cast<unsigned>(shift)));
  }
}

std::uint64_t get_be(std::span<const std::uint8_t> in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    v = (v << 8U) | in[at + static_cast<std::size_t>(i)];
  }
  return v;
}

// -- manifest layout (docs/storage-format.md, "Chunked state") ---------------------------------

// 0xfe is CBOR major type 7 with additional info 30, which RFC 8949 reserves: no well-formed
// CBOR item (hence no compat-CBOR state) starts with it.
constexpr std::uint8_t kManifestTag = 0xfe;
constexpr std::array<std::uint8_t, 3> kManifestMagic{'R', 'S', 'C'};
constexpr std::uint8_t kManifestVersion = 1;
constexpr std::size_t kHeaderSize = 1 + 3 + 1 + 8 + 8 + 4;  // tag, magic, version, total, next, n
constexpr std::size_t kEntrySize = 8 + 4 + 8;               // id, length, hash
constexpr std::size_t kChecksumSize = 8;

Error corrupt(std::string message, Value metadata = nullptr) {
  return make_error(codes::kStorageCorrupt, std::move(message), std::move(metadata));
}

// A few changed chunks that each kept their place and length (an edit that changed no length,
// the common case) go back under their old ids. SQLite then writes only the pages whose bytes
// changed: it overwrites a row of the same size in place. What keeps this safe where a batch
// is applied in several requests (the engine's KV): every written chunk and the manifest come
// first in the batch and together stay far below one put request's limits, so they land
// together or not at all.
constexpr std::size_t kMaxInPlaceChunks = 4;

void overwrite_in_place(ChunkPlan& plan, const ChunkLayout& before_layout) {
  if (plan.written.empty() || plan.written.size() > kMaxInPlaceChunks) {
    return;
  }
  const auto& old = before_layout.chunks;
  std::unordered_set<std::uint64_t> still_read;  // ids the new layout reuses as they are
  for (const auto& c : plan.layout.chunks) {
    if (c.id < before_layout.next_id) {
      still_read.insert(c.id);
    }
  }
  std::vector<std::uint64_t> ids;
  for (auto index : plan.written) {
    const auto& c = plan.layout.chunks[index];
    auto it = std::lower_bound(old.begin(), old.end(), c.offset,
                               [](const StateChunk& o, std::size_t at) { return o.offset < at; });
    if (it == old.end() || it->offset != c.offset || it->length != c.length ||
        still_read.contains(it->id)) {
      return;  // a cut moved: new ids for all, so no referenced chunk is overwritten
    }
    ids.push_back(it->id);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    plan.layout.chunks[plan.written[i]].id = ids[i];
  }
  plan.layout.next_id = before_layout.next_id;
}

// How many leading bytes (of at most `limit`) `a` and `b` share. Whole blocks go through
// memcmp first: a byte loop over a megabyte would cost more than the rest of the plan.
constexpr std::size_t kCompareBlock = 256;

std::size_t common_prefix(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                          std::size_t limit) noexcept {
  std::size_t n = 0;
  while (n + kCompareBlock <= limit &&
         std::memcmp(a.data() + n, b.data() + n, kCompareBlock) == 0) {
    n += kCompareBlock;
  }
  while (n < limit && a[n] == b[n]) {
    ++n;
  }
  return n;
}

// How many trailing bytes (of at most `limit`) `a` and `b` share.
std::size_t common_suffix(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                          std::size_t limit) noexcept {
  std::size_t n = 0;
  while (n + kCompareBlock <= limit &&
         std::memcmp(a.data() + a.size() - n - kCompareBlock,
                     b.data() + b.size() - n - kCompareBlock, kCompareBlock) == 0) {
    n += kCompareBlock;
  }
  while (n < limit && a[a.size() - 1 - n] == b[b.size() - 1 - n]) {
    ++n;
  }
  return n;
}

}  // namespace

std::uint64_t state_hash(std::span<const std::uint8_t> bytes) noexcept {
  // Four independent lanes of 8 bytes each, so the multiplies overlap; each step is a
  // bijection of its lane, so a change to any one word always changes the result.
  std::array<std::uint64_t, 4> lane{kGolden, kGolden * 3, kGolden * 5, kGolden * 7};
  const std::uint8_t* p = bytes.data();
  std::size_t left = bytes.size();
  constexpr std::size_t kStride = 32;
  while (left >= kStride) {
    for (std::size_t i = 0; i < lane.size(); ++i) {
      auto x = (lane[i] ^ load_le(p + i * 8)) * kLaneMul;
      lane[i] = x ^ (x >> 32U);
    }
    p += kStride;
    left -= kStride;
  }
  std::array<std::uint8_t, kStride> tail{};
  if (left > 0) {
    std::memcpy(tail.data(), p, left);
  }
  std::uint64_t h = mix(bytes.size() ^ kGolden);
  for (std::size_t i = 0; i < lane.size(); ++i) {
    h = mix(h ^ lane[i] ^ load_le(tail.data() + i * 8));
  }
  return h;
}

std::size_t next_cut(std::span<const std::uint8_t> data, std::size_t start,
                     const ChunkParams& params) noexcept {
  const std::size_t size = data.size();
  if (size - start <= params.min_size) {
    return size;
  }
  const std::size_t limit = std::min(size, start + params.max_size);
  const std::uint64_t mask = ~std::uint64_t{0} << (64U - params.mask_bits);
  std::size_t i = start + params.min_size - std::min(kWindow, params.min_size);
  std::uint64_t h = 0;
  for (; i < start + params.min_size; ++i) {
    h = (h << 1U) + kGear[data[i]];
  }
  for (; i < limit; ++i) {
    h = (h << 1U) + kGear[data[i]];
    if ((h & mask) == 0) {
      return i + 1;
    }
  }
  return limit;
}

ChunkPlan plan_chunks(std::span<const std::uint8_t> now, std::span<const std::uint8_t> before,
                      const ChunkLayout& before_layout, const ChunkParams& params) {
  ChunkPlan plan;
  plan.layout.next_id = before_layout.next_id;
  const auto& old = before_layout.chunks;
  // The old chunks can be reused only if they describe `before` (always, unless a caller mixes
  // them up; then everything is written anew, which is still correct).
  const bool have_old = !old.empty() && before_layout.total() == before.size();

  const std::size_t common = std::min(now.size(), before.size());
  const std::size_t prefix = common_prefix(now, before, common);
  const std::size_t suffix = common_suffix(now, before, common - prefix);

  auto reuse = [&](const StateChunk& c, std::size_t at) {
    plan.layout.chunks.push_back({c.id, at, c.length, c.hash});
  };
  std::size_t pos = 0;
  std::size_t k = 0;
  // Chunks inside the untouched prefix are cut exactly as before. Not the last one: it ended
  // where the old bytes did, and the new bytes may go on past that.
  while (have_old && k + 1 < old.size() && old[k].offset + old[k].length <= prefix) {
    reuse(old[k], pos);
    pos += old[k].length;
    ++k;
  }

  std::unordered_map<std::uint64_t, std::size_t> by_hash;
  if (have_old) {
    for (std::size_t i = 0; i < old.size(); ++i) {
      by_hash.emplace(old[i].hash, i);
    }
  }
  const auto shift =
      static_cast<std::ptrdiff_t>(now.size()) - static_cast<std::ptrdiff_t>(before.size());
  while (pos < now.size()) {
    // Back in step: a chunk starts in the untouched suffix exactly where an old one started
    // (moved by the size change), so every later cut is the old one too.
    if (have_old && pos >= now.size() - suffix) {
      const auto old_pos = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(pos) - shift);
      auto it = std::lower_bound(old.begin(), old.end(), old_pos,
                                 [](const StateChunk& c, std::size_t at) { return c.offset < at; });
      if (it != old.end() && it->offset == old_pos) {
        for (; it != old.end(); ++it) {
          reuse(*it, pos);
          pos += it->length;
        }
        break;
      }
    }
    const std::size_t end = next_cut(now, pos, params);
    const auto bytes = now.subspan(pos, end - pos);
    const auto hash = state_hash(bytes);
    const auto length = static_cast<std::uint32_t>(bytes.size());
    auto match = by_hash.find(hash);
    if (match != by_hash.end() && old[match->second].length == length &&
        std::memcmp(before.data() + old[match->second].offset, bytes.data(), length) == 0) {
      reuse(old[match->second], pos);
    } else {
      plan.written.push_back(plan.layout.chunks.size());
      plan.layout.chunks.push_back({plan.layout.next_id++, pos, length, hash});
    }
    pos = end;
  }

  overwrite_in_place(plan, before_layout);

  std::unordered_set<std::uint64_t> kept;
  for (const auto& c : plan.layout.chunks) {
    kept.insert(c.id);
  }
  for (const auto& c : old) {
    if (!kept.contains(c.id)) {
      kept.insert(c.id);  // an id listed twice is deleted once
      plan.deleted.push_back(c.id);
    }
  }
  return plan;
}

Bytes chunk_key(std::uint64_t id) {
  Bytes key{kStateChunkPrefix};
  put_be(key, id, 8);
  return key;
}

Bytes encode_manifest(const ChunkLayout& layout) {
  Bytes out;
  out.reserve(kHeaderSize + layout.chunks.size() * kEntrySize + kChecksumSize);
  out.push_back(kManifestTag);
  out.insert(out.end(), kManifestMagic.begin(), kManifestMagic.end());
  out.push_back(kManifestVersion);
  put_be(out, layout.total(), 8);
  put_be(out, layout.next_id, 8);
  put_be(out, layout.chunks.size(), 4);
  for (const auto& c : layout.chunks) {
    put_be(out, c.id, 8);
    put_be(out, c.length, 4);
    put_be(out, c.hash, 8);
  }
  put_be(out, state_hash(out), 8);
  return out;
}

bool is_manifest(std::span<const std::uint8_t> row) noexcept {
  return !row.empty() && row[0] == kManifestTag;
}

Result<ChunkLayout> decode_manifest(std::span<const std::uint8_t> row) {
  if (row.size() < kHeaderSize + kChecksumSize || row[0] != kManifestTag ||
      !std::equal(kManifestMagic.begin(), kManifestMagic.end(), row.begin() + 1)) {
    return corrupt("the state row is neither compat-CBOR nor a chunk manifest");
  }
  if (row[4] != kManifestVersion) {
    return corrupt("the state's chunk manifest has an unknown version",
                   Value{{"version", static_cast<std::int64_t>(row[4])}});
  }
  const auto count = get_be(row, 21, 4);
  if (row.size() != kHeaderSize + count * kEntrySize + kChecksumSize) {
    return corrupt("the state's chunk manifest is truncated");
  }
  const auto body = row.first(row.size() - kChecksumSize);
  if (state_hash(body) != get_be(row, body.size(), 8)) {
    return corrupt("the state's chunk manifest fails its checksum");
  }
  ChunkLayout layout;
  const auto total = get_be(row, 5, 8);
  layout.next_id = get_be(row, 13, 8);
  layout.chunks.reserve(count);
  std::size_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = kHeaderSize + i * kEntrySize;
    StateChunk c;
    c.id = get_be(row, at, 8);
    c.offset = offset;
    c.length = static_cast<std::uint32_t>(get_be(row, at + 8, 4));
    c.hash = get_be(row, at + 12, 8);
    offset += c.length;
    layout.chunks.push_back(c);
  }
  if (offset != total) {
    return corrupt("the state's chunk manifest lists chunks that do not add up to its length");
  }
  return layout;
}

Result<AssembledState> assemble_state(storage::Store& store, std::string_view actor_id, Bytes row) {
  AssembledState out;
  if (!is_manifest(row)) {
    out.bytes = std::move(row);
    return out;
  }
  auto layout = decode_manifest(row);
  if (!layout) {
    return layout.error();
  }
  // One scan reads every chunk row, so rows a partly applied engine commit left behind show
  // up too and can be deleted.
  auto rows = store.kv_prefix(actor_id, Bytes{kStateChunkPrefix}, static_cast<std::size_t>(-1));
  if (!rows) {
    return rows.error();
  }
  std::unordered_map<std::uint64_t, const Bytes*> by_id;
  for (const auto& entry : *rows) {
    if (entry.key.size() == 9) {
      by_id.emplace(get_be(entry.key, 1, 8), &entry.value);
    } else {
      out.orphans.push_back(entry.key);
    }
  }
  out.bytes.reserve(layout->total());
  std::unordered_set<std::uint64_t> referenced;
  for (const auto& c : layout->chunks) {
    referenced.insert(c.id);
    auto it = by_id.find(c.id);
    const auto id = static_cast<std::int64_t>(c.id);
    if (it == by_id.end()) {
      return corrupt("a chunk of the actor's state is missing", Value{{"chunk", id}});
    }
    const Bytes& value = *it->second;
    if (value.size() != c.length || state_hash(value) != c.hash) {
      return corrupt("a chunk of the actor's state does not match its manifest",
                     Value{{"chunk", id}});
    }
    out.bytes.insert(out.bytes.end(), value.begin(), value.end());
  }
  for (const auto& [id, value] : by_id) {
    if (!referenced.contains(id)) {
      out.orphans.push_back(chunk_key(id));
      // The orphans' deletes ride with the next commit, after its new chunks: new ids must not
      // be theirs.
      layout->next_id = std::max(layout->next_id, id + 1);
    }
  }
  out.layout = std::move(*layout);
  return out;
}

std::size_t effective_chunk_threshold(std::size_t configured) noexcept {
  // Read once: the switch is for a whole process run (a before/after measurement).
  static const bool disabled = [] {
    const char* v = std::getenv("RIVET_STATE_CHUNKING");  // NOLINT(concurrency-mt-unsafe)
    return v != nullptr && std::string_view(v) == "0";
  }();
  return disabled ? 0 : configured;
}

}  // namespace rivet::detail
