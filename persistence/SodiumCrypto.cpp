#include "persistence/SodiumCrypto.hpp"

#include <sodium.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "domain/Text.hpp"

namespace mofang::persistence {

SodiumCrypto::SodiumCrypto() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string SodiumCrypto::hashPassword(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("argon2id hashing ran out of memory");
    return out;
}

bool SodiumCrypto::verifyPassword(std::string_view hash, std::string_view password) const {
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    const std::string terminated(hash);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

std::string SodiumCrypto::randomToken(std::size_t bytes) const {
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    return domain::text::base64UrlEncode(raw);
}

std::string SodiumCrypto::sha256Hex(std::string_view data) const {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

domain::Millis SystemClock::now() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

SodiumRandom::SodiumRandom() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

std::string SodiumRandom::uuid() {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 15];
    }
    return out;
}

std::uint64_t SodiumRandom::below(std::uint64_t bound) {
    if (bound <= 1) return 0;
    if (bound <= UINT32_MAX) return randombytes_uniform(static_cast<std::uint32_t>(bound));
    std::uint64_t v;
    randombytes_buf(&v, sizeof v);
    return v % bound;
}

}  // namespace mofang::persistence
