#pragma once
// A large actor state stored as chunks (docs/storage-format.md, "Chunked state"). The state row
// then holds a small manifest; each chunk is its own KV row under kStateChunkPrefix. Chunk
// boundaries are content-defined (a rolling hash over a 64-byte window picks them), so a change
// in the middle of the state moves only the boundaries near it and rewrites only nearby chunks.
// Chunk keys are ids handed out once per actor and never reused while referenced, so a write
// never overwrites a chunk the previous manifest still points to (what keeps a commit that the
// engine applies in several requests safe at every step).
//
// Pure functions, no I/O except assemble_state, which reads through the store.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/storage/store.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace rivet::detail {

/// Where the chunker cuts. The defaults keep every chunk far below the engine's 128 KiB value
/// limit and a 1 MiB state's manifest near 2.5 KiB (docs/benchmarks.md, "Large state").
struct ChunkParams {
  std::size_t min_size = 2 * 1024;
  std::size_t max_size = 32 * 1024;
  /// Boundary when the top `mask_bits` bits of the rolling hash are zero: on average one cut
  /// every 2^mask_bits bytes past min_size.
  unsigned mask_bits = 13;
};

/// One chunk of a stored state.
struct StateChunk {
  std::uint64_t id = 0;
  std::size_t offset = 0;  // in the state bytes (not stored: the sum of the lengths before it)
  std::uint32_t length = 0;
  std::uint64_t hash = 0;  // state_hash of the chunk's bytes
};

/// The chunks a state's manifest lists, in order, and the next unused chunk id.
struct ChunkLayout {
  std::vector<StateChunk> chunks;
  std::uint64_t next_id = 0;
  [[nodiscard]] std::size_t total() const noexcept {
    return chunks.empty() ? 0 : chunks.back().offset + chunks.back().length;
  }
};

/// What to write for a new state, given the layout last written.
struct ChunkPlan {
  ChunkLayout layout;
  std::vector<std::size_t> written;    // indexes into layout.chunks whose rows must be put
  std::vector<std::uint64_t> deleted;  // ids of the previous layout no longer referenced
};

/// A 64-bit hash of `bytes` (integrity and change detection, not security).
[[nodiscard]] std::uint64_t state_hash(std::span<const std::uint8_t> bytes) noexcept;

/// The end (exclusive) of the chunk that starts at `start`.
[[nodiscard]] std::size_t next_cut(std::span<const std::uint8_t> data, std::size_t start,
                                   const ChunkParams& params = {}) noexcept;

/// Chunks `now`, reusing the chunks of `before` (laid out as `before_layout`; empty when the
/// state was not chunked) that the new bytes still contain: the untouched prefix and suffix
/// without re-chunking them, and any other chunk whose bytes match exactly.
[[nodiscard]] ChunkPlan plan_chunks(std::span<const std::uint8_t> now,
                                    std::span<const std::uint8_t> before,
                                    const ChunkLayout& before_layout,
                                    const ChunkParams& params = {});

/// The chunk row's key: kStateChunkPrefix + id (u64 big-endian).
[[nodiscard]] Bytes chunk_key(std::uint64_t id);

/// The manifest (the state row's value) for `layout`.
[[nodiscard]] Bytes encode_manifest(const ChunkLayout& layout);
/// Whether a state row holds a manifest rather than compat-CBOR (its first byte can never
/// start a CBOR item).
[[nodiscard]] bool is_manifest(std::span<const std::uint8_t> row) noexcept;
/// The layout a manifest lists; storage.corrupt when it is malformed or its checksum fails.
[[nodiscard]] Result<ChunkLayout> decode_manifest(std::span<const std::uint8_t> row);

/// A state read back from storage.
struct AssembledState {
  Bytes bytes;                        // compat-CBOR of the state
  std::optional<ChunkLayout> layout;  // set when it was stored chunked
  std::vector<Bytes> orphans;         // chunk rows no manifest references (to delete)
};

/// The state stored in `row` (the state row's value): the row itself when it is compat-CBOR,
/// else the chunks its manifest lists, read in one prefix scan and checked (every chunk present
/// with its length and hash, the total length). storage.corrupt when anything does not match:
/// never a partial state.
[[nodiscard]] Result<AssembledState> assemble_state(storage::Store& store,
                                                    std::string_view actor_id, Bytes row);

/// The state size from which an actor with `configured` (ActorOptions::state_chunk_threshold)
/// stores its state chunked; 0: never. RIVET_STATE_CHUNKING=0 in the environment turns chunking
/// off for every actor (for before/after measurements).
[[nodiscard]] std::size_t effective_chunk_threshold(std::size_t configured) noexcept;

}  // namespace rivet::detail
