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

class SystemClock final : public domain::Clock {
  public:
    domain::Millis now() const override;
};

}  // namespace mofang::persistence
