// Portable seeded randomness: xoshiro256** with our own distributions, and named streams.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sim {

/// Stable 64-bit FNV-1a hash. Used to derive stream seeds from names and for trace digests, so it
/// must never change: recorded traces and seeds depend on it.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept;

/// One step of SplitMix64 (Steele, Lea, Flood 2014); advances state and returns a mixed value.
std::uint64_t splitmix64(std::uint64_t& state) noexcept;

/// xoshiro256** 1.0 (Blackman and Vigna 2018), seeded through SplitMix64 as its authors advise.
/// The distributions below are written here rather than taken from <random>: the standard
/// distributions are implementation-defined, so the same seed would give different runs under
/// libstdc++ and libc++.
class rng {
 public:
  explicit rng(std::uint64_t seed) noexcept;

  /// Starts from a raw xoshiro256** state (not all zero); for checking the reference vectors.
  static rng from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2,
                        std::uint64_t s3) noexcept;

  /// Returns the next 64 raw bits.
  std::uint64_t next_u64() noexcept;

  /// Returns a value uniform in [0, n) without modulo bias (Lemire 2019). Requires n > 0.
  std::uint64_t below(std::uint64_t n) noexcept;

  /// Returns a value uniform in [lo, hi] (both inclusive). Requires lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept;

  /// Returns a double uniform in [0, 1) built from the top 53 bits.
  double unit() noexcept;

  /// Returns true with probability p (p <= 0 never, p >= 1 always).
  bool chance(double p) noexcept;

 private:
  std::uint64_t s_[4];
};

/// A version-4 UUID (RFC 9562 §5.4: 122 random bits, version 4, variant 10) from two draws of
/// `r`, lower-case hex as AWS prints MessageIds and request ids. The only UUID generator: SQS
/// MessageIds and built-in consumers' tokens both use it.
std::string uuid_v4(rng& r);

/// Derives independent generators from one root seed by a stable name, so that adding a component
/// (a new name) never perturbs the draws of another.
class rng_streams {
 public:
  explicit rng_streams(std::uint64_t root_seed) noexcept : root_seed_(root_seed) {}

  std::uint64_t root_seed() const noexcept { return root_seed_; }

  /// Returns the seed of the stream called `name`.
  std::uint64_t seed_for(std::string_view name) const noexcept;

  /// Returns a fresh generator for the stream called `name`; equal names give equal generators.
  rng stream(std::string_view name) const noexcept { return rng(seed_for(name)); }

 private:
  std::uint64_t root_seed_;
};

}  // namespace sim
