#pragma once

#include "domain/Ports.hpp"

namespace mofang::persistence {

// argon2id (libsodium's interactive limits), random tokens from the OS CSPRNG, SHA-256.
class SodiumCrypto final : public domain::Crypto {
  public:
    SodiumCrypto();
    std::string hashPassword(std::string_view password) const override;
    bool verifyPassword(std::string_view hash, std::string_view password) const override;
    std::string randomToken(std::size_t bytes) const override;
    std::string sha256Hex(std::string_view data) const override;
};

// UUIDs and jitter from libsodium's CSPRNG (thread-safe once sodium_init() ran: SodiumCrypto's
// constructor runs it, and so does this one).
class SodiumRandom final : public domain::Random {
  public:
    SodiumRandom();
    std::string uuid() override;
    std::uint64_t below(std::uint64_t bound) override;
};

class SystemClock final : public domain::Clock {
  public:
    domain::Millis now() const override;
};

}  // namespace mofang::persistence
