// libFuzzer target for the tokenizers: arbitrary bytes into encode() and decode() of every
// tokenizer kind. Input layout: byte 0 picks the tokenizer (gpt-2 BPE, qwen2 BPE, llama-bpe
// BPE, SentencePiece, or the bare pre-tokenizers incl. `default`), byte 1 the flags, the rest is
// the text (and, read as little-endian int32 values, ids to decode).
// Checks: no crash; every id in range; byte-level BPE round-trips any bytes exactly;
// SentencePiece round-trips text without U+2581; pre-token pieces are non-empty and cover the
// input; stream chunks are valid UTF-8 and add up to the decoded text.
// The vocabularies come from $FABULIST_REFERENCE_DIR/models (default: ../shared/reference
// beside the repository) and $FABULIST_SOURCE_DIR/tests/fixtures/spm.

#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/unicode_text.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace fabulist::inference;

namespace {

struct Loaded {
    std::unique_ptr<GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
};

std::vector<Loaded>& tokenizers() {
    static std::vector<Loaded> all;
    return all;
}

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "tokenizer_fuzz: %s\n", what);
    std::abort();
}

bool validUtf8(std::string_view s) {
    for (size_t pos = 0; pos < s.size();) {
        const DecodedCodepoint d = decodeUtf8(s, pos);
        if (d.cp == kInvalidCodepoint) return false;
        pos += d.length;
    }
    return true;
}

std::string sanitized(std::string_view s) {
    std::string out;
    for (size_t pos = 0; pos < s.size();) {
        const DecodedCodepoint d = decodeUtf8(s, pos);
        out +=
            d.cp == kInvalidCodepoint ? std::string_view("\xef\xbf\xbd") : s.substr(pos, d.length);
        pos += d.length;
    }
    return out;
}

void load(const std::string& path) {
    try {
        Loaded l;
        l.file = GgufFile::open(path);
        l.tokenizer = Tokenizer::fromGguf(*l.file);
        tokenizers().push_back(std::move(l));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tokenizer_fuzz: cannot load %s: %s\n", path.c_str(), e.what());
        std::exit(1);
    }
}

void checkTokenizer(const Tokenizer& t, uint8_t flags, std::string_view text) {
    const bool addSpecial = flags & 1;
    const bool parseSpecial = flags & 2;
    const std::vector<int32_t> ids = t.encode(text, addSpecial, parseSpecial);
    for (int32_t id : ids) {
        if (id < 0 || id >= t.vocabSize()) fail("encode produced an id out of range");
    }
    const std::vector<int32_t> plain = t.encode(text, false, false);
    const std::string back = t.decode(plain);
    const bool spmSpace =
        t.kind() == Tokenizer::Kind::Spm && text.find("\xe2\x96\x81") != text.npos;
    if (!spmSpace && back != text) fail("decode(encode(text)) != text");

    // Stream the ids: valid UTF-8 chunks that add up to the (sanitized) pieces.
    TokenTextStream stream(t, parseSpecial);
    std::string streamed, pieces;
    for (int32_t id : ids) {
        const std::string chunk = stream.push(id);
        if (!validUtf8(chunk)) fail("stream returned invalid UTF-8");
        streamed += chunk;
        const TokenType type = t.tokenType(id);
        pieces += parseSpecial && (type == TokenType::Control || type == TokenType::Unknown)
                      ? std::string(t.tokenText(id))
                      : t.tokenBytes(id);
    }
    const std::string rest = stream.flush();
    if (!validUtf8(rest)) fail("stream flush returned invalid UTF-8");
    streamed += rest;
    if (streamed != sanitized(pieces)) fail("stream output differs from the tokens' bytes");

    // Arbitrary ids (in range or not) decode without trouble.
    std::vector<int32_t> random(text.size() / 4);
    if (!random.empty()) std::memcpy(random.data(), text.data(), random.size() * 4);
    (void)t.decode(random, true);
    TokenTextStream any(t);
    for (int32_t id : random) {
        if (!validUtf8(any.push(id))) fail("stream returned invalid UTF-8 for arbitrary ids");
    }
}

void checkPreTokenizers(std::string_view text) {
    for (PreTokenizerKind kind : {PreTokenizerKind::Gpt2, PreTokenizerKind::Llama3,
                                  PreTokenizerKind::Qwen2, PreTokenizerKind::Default}) {
        std::vector<std::string_view> pieces;
        PreTokenizer(kind).split(text, pieces);
        size_t covered = 0;
        for (std::string_view p : pieces) {
            if (p.empty()) fail("empty pre-token");
            if (p.data() != text.data() + covered) fail("pre-tokens are not contiguous");
            covered += p.size();
        }
        if (covered != text.size()) fail("pre-tokens do not cover the text");
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Defaults as in CMake: the repository this file was compiled from (run-fuzzer.sh passes
    // absolute paths) and the reference data beside it.
    std::string src = __FILE__;
    src.erase(src.size() - std::strlen("/tests/fuzz/tokenizer_fuzz.cpp"));
    std::string ref = src + "/../shared/reference";
    if (const char* e = std::getenv("FABULIST_SOURCE_DIR")) src = e;
    if (const char* e = std::getenv("FABULIST_REFERENCE_DIR")) ref = e;
    const std::string models = ref + "/models/";
    load(models + "tiny-dense-f32.gguf");    // gpt-2, 50k vocabulary
    load(models + "tiny-qwen3moe-f32.gguf"); // qwen2
    load(models + "tiny-llama3-f16.gguf");   // llama-bpe, 128k vocabulary
    load(src + "/tests/fixtures/spm/tiny-spm.gguf");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
    const size_t which = data[0] % (tokenizers().size() + 1);
    if (which == tokenizers().size()) {
        checkPreTokenizers(text);
    } else {
        checkTokenizer(*tokenizers()[which].tokenizer, data[1], text);
    }
    return 0;
}
