#include "fcgi/ConfigLoader.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cstdlib>
#include <map>

namespace mofang::fcgi {
namespace {

void flatten(const Poco::Util::AbstractConfiguration& conf, const std::string& prefix,
             std::map<std::string, std::string>& out) {
    Poco::Util::AbstractConfiguration::Keys keys;
    conf.keys(prefix, keys);
    for (const auto& k : keys) {
        const std::string full = prefix.empty() ? k : prefix + "." + k;
        if (conf.hasProperty(full)) out[full] = conf.getRawString(full);
        flatten(conf, full, out);
    }
}

}  // namespace

domain::AppConfig loadConfig(const std::optional<std::string>& path,
                             const std::optional<std::string>& listenOverride) {
    std::map<std::string, std::string> values;
    std::optional<std::string> file = path;
    if (!file && Poco::File(kDefaultConfigPath).exists()) file = kDefaultConfigPath;
    if (file) {
        try {
            Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> conf(
                new Poco::Util::PropertyFileConfiguration(*file));
            flatten(*conf, "", values);
        } catch (const Poco::Exception& e) {
            throw domain::ConfigError("--config", "cannot read " + *file + ": " + e.displayText());
        }
    }
    for (const auto& key : domain::knownConfigKeys())
        if (const char* env = std::getenv(domain::configEnvName(key).c_str())) values[key] = env;
    if (listenOverride) values["fcgi.listen"] = *listenOverride;
    return domain::parseConfig(values);
}

}  // namespace mofang::fcgi
