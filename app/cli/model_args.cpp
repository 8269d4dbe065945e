#include "app/cli/model_args.h"

#include "inference/engine/default_model.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

namespace fabulist::cli {

ModelArgs::ModelArgs(const std::vector<std::string>& args, const std::vector<ArgSpec>& specs,
                     size_t maxPositionals)
    : m_specs(specs) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(a[1]) || a[1] == '.'))) {
            std::string flag = a, inlineValue;
            bool hasInline = false;
            if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
                flag = a.substr(0, eq);
                inlineValue = a.substr(eq + 1);
                hasInline = true;
            }
            const ArgSpec* spec = find(flag);
            if (!spec) throw UsageError("unknown option '" + flag + "'");
            const std::string& canonical = spec->names.front();
            if (!spec->takesValue) {
                if (hasInline) throw UsageError("option '" + flag + "' takes no value");
                m_flags.insert(canonical);
                continue;
            }
            if (hasInline) {
                m_values[canonical] = inlineValue;
            } else {
                if (i + 1 >= args.size()) throw UsageError("option '" + flag + "' needs a value");
                m_values[canonical] = args[++i];
            }
        } else {
            if (m_positionals.size() >= maxPositionals)
                throw UsageError("unexpected argument '" + a + "'");
            m_positionals.push_back(a);
        }
    }
}

const ArgSpec* ModelArgs::find(const std::string& flag) const {
    for (const ArgSpec& s : m_specs)
        for (const std::string& n : s.names)
            if (n == flag) return &s;
    return nullptr;
}

std::optional<std::string> ModelArgs::value(const std::string& name) const {
    const ArgSpec* spec = find(name);
    if (!spec) return std::nullopt;
    auto it = m_values.find(spec->names.front());
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

bool ModelArgs::has(const std::string& name) const {
    const ArgSpec* spec = find(name);
    if (!spec) return false;
    return m_flags.count(spec->names.front()) || m_values.count(spec->names.front());
}

std::string ModelArgs::string(const std::string& name, const std::string& fallback) const {
    return value(name).value_or(fallback);
}

std::string ModelArgs::requiredString(const std::string& name) const {
    auto v = value(name);
    if (!v) throw UsageError("missing " + name);
    return *v;
}

int64_t ModelArgs::integer(const std::string& name, int64_t fallback, int64_t min,
                           int64_t max) const {
    auto v = value(name);
    if (!v) return fallback;
    int64_t out = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || end != v->data() + v->size())
        throw UsageError(name + " expects an integer, got '" + *v + "'");
    if (out < min || out > max)
        throw UsageError(name + " must be between " + std::to_string(min) + " and " +
                         std::to_string(max) + ", got " + *v);
    return out;
}

double ModelArgs::number(const std::string& name, double fallback) const {
    auto v = value(name);
    if (!v) return fallback;
    try {
        size_t used = 0;
        double out = std::stod(*v, &used);
        if (used != v->size()) throw std::invalid_argument("trailing characters");
        if (!std::isfinite(out)) throw std::invalid_argument("not finite");
        return out;
    } catch (const std::exception&) {
        throw UsageError(name + " expects a finite number, got '" + *v + "'");
    }
}

double ModelArgs::number(const std::string& name, double fallback, double min, double max) const {
    const double out = number(name, fallback);
    if (out < min || out > max) {
        std::ostringstream message;
        message << name << " must be between " << min << " and " << max << ", got " << *value(name);
        throw UsageError(message.str());
    }
    return out;
}

int usageFailure(const char* command, const char* usage, const std::string& message) {
    std::fprintf(stderr, "fabulist-cli %s: %s\nusage: fabulist-cli %s\n", command, message.c_str(),
                 usage);
    return 2;
}

int runtimeFailure(const char* command, const std::string& message) {
    std::fprintf(stderr, "fabulist-cli %s: %s\n", command, message.c_str());
    return 1;
}

void requireModelFile(const std::string& path) {
    std::error_code ec;
    if (path.empty()) throw UsageError("no model given: pass -m MODEL.gguf");
    if (!std::filesystem::exists(path, ec))
        throw UsageError("model file '" + path +
                         "' does not exist: check the path, or create one with "
                         "`fabulist-cli synth`");
    if (std::filesystem::is_directory(path, ec))
        throw UsageError("'" + path + "' is a directory: pass the .gguf model file itself");
}

std::string modelPathOrDefault(const std::string& given) {
    if (!given.empty()) return given;
    std::string path = inference::defaultModelPath();
    inference::verifyDefaultModel(path);
    return path;
}

} // namespace fabulist::cli
