// The CPU backend's copy of the weights in huge pages: when it is made (memory, the kernel's
// THP setting, FABULIST_HUGE_PAGES), the arena's alignment and bounds, and a model read from
// the copy computing the same bits as one read from the file.

#include "inference/backend/cpu/huge_page_weights.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"

#include <QtTest>
#include <cstring>

using namespace fabulist::inference;

namespace {

constexpr uint64_t kMiB = 1ull << 20, kGiB = 1ull << 30;

HugePageRequest request(uint64_t weights, uint64_t available) {
    HugePageRequest r;
    r.weightBytes = weights;
    r.reservedBytes = 512 * kMiB;
    r.availableBytes = available;
    r.thpMode = "madvise";
    return r;
}

std::string weightsLine(Engine& engine) {
    for (const auto& [name, value] : engine.describeDevice())
        if (name == "weights") return value;
    return {};
}

std::vector<float> logitsOf(Engine& engine, const std::vector<int32_t>& tokens) {
    auto session = engine.createSession();
    session->evaluate(tokens);
    for (int i = 0; i < 8; ++i) session->appendToken(int32_t(17 * i + 3));
    const auto last = session->logits();
    return {last.begin(), last.end()};
}

std::unique_ptr<Engine> loadTinyMoe(const char* hugePages) {
    qputenv("FABULIST_HUGE_PAGES", hugePages);
    EngineOptions o;
    o.modelPath = (qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/tiny-moe-f32.gguf")
                      .toStdString();
    o.threads = 2;
    auto engine = Engine::load(o);
    qunsetenv("FABULIST_HUGE_PAGES");
    return engine;
}

} // namespace

class HugePageWeightsTest : public QObject {
    Q_OBJECT

private slots:
    void copiesWhenTheWeightsFit() {
        // 4 GiB of weights + 0.5 GiB KV + a 1 GiB margin (an eighth of 4 GiB is less).
        QVERIFY(planHugePageWeights(request(4 * kGiB, 6 * kGiB)).copy);
        const HugePagePlan tight = planHugePageWeights(request(4 * kGiB, 5 * kGiB));
        QVERIFY(!tight.copy);
        QCOMPARE(tight.reason, std::string("a copy needs 5632 MiB with the KV cache, 5120 MiB "
                                           "is available"));
        // 16 GiB: the margin is an eighth of the weights (2 GiB).
        QVERIFY(!planHugePageWeights(request(16 * kGiB, 18 * kGiB + 256 * kMiB)).copy);
        QVERIFY(planHugePageWeights(request(16 * kGiB, 19 * kGiB)).copy);
    }

    void keepsTheMappingWhenACopyBuysNothing() {
        QVERIFY(!planHugePageWeights(request(32 * kMiB, 20 * kGiB)).copy);
        HugePageRequest forced = request(32 * kMiB, 20 * kGiB);
        forced.forced = true;
        QVERIFY(planHugePageWeights(forced).copy);
        HugePageRequest never = request(4 * kGiB, 20 * kGiB);
        never.thpMode = "never";
        QCOMPARE(planHugePageWeights(never).reason,
                 std::string("the kernel's transparent huge pages are off"));
        never.thpMode = "";
        QVERIFY(!planHugePageWeights(never).copy);
        HugePageRequest off = request(4 * kGiB, 20 * kGiB);
        off.turnedOff = true;
        off.forced = true;
        QCOMPARE(planHugePageWeights(off).reason,
                 std::string("turned off by FABULIST_HUGE_PAGES=0"));
    }

    void readsTheMachine() {
        QVERIFY(memAvailableBytes() > 64 * kMiB);
        const std::string mode = transparentHugePageMode();
        QVERIFY2(mode.empty() || mode == "always" || mode == "madvise" || mode == "never",
                 mode.c_str());
    }

    void arenaAlignsAndStopsAtItsEnd() {
        HugePageArena arena;
        QVERIFY(arena.take(1) == nullptr); // nothing reserved yet
        QVERIFY(arena.reserve(3 * kMiB));
        uint8_t* a = arena.take(100);
        QVERIFY(a);
        QCOMPARE(reinterpret_cast<uintptr_t>(a) % (2 * kMiB), uintptr_t(0));
        uint8_t* b = arena.take(10);
        QCOMPARE(b - a, std::ptrdiff_t(128)); // the next 64-byte boundary after 100 bytes
        std::memset(a, 0x5A, 100);
        QVERIFY(arena.take(4 * kMiB) == nullptr);
        QVERIFY(arena.take(4 * kMiB - 256) != nullptr); // capacity rounds up to 4 MiB
        QCOMPARE(arena.bytesTaken(), uint64_t(4 * kMiB - 64));
        QVERIFY(arena.hugeBytes() >= 0);
        QCOMPARE(a[99], uint8_t(0x5A));
    }

    void theCopyComputesTheSameBits() {
        if (qEnvironmentVariableIsEmpty("FABULIST_REFERENCE_DIR"))
            QFAIL("set FABULIST_REFERENCE_DIR to shared/reference");
        auto mapped = loadTinyMoe("0");
        auto copied = loadTinyMoe("1");
        QVERIFY2(weightsLine(*mapped).starts_with("read from the file's mapping (turned off"),
                 weightsLine(*mapped).c_str());
        if (transparentHugePageMode() == "never" || transparentHugePageMode().empty())
            QSKIP("this kernel has no transparent huge pages: no copy is made");
        QVERIFY2(weightsLine(*copied).find("MiB copied into memory") != std::string::npos,
                 weightsLine(*copied).c_str());
        const std::vector<int32_t> prompt{1, 50, 300, 7, 1200, 90, 4000, 12};
        const auto a = logitsOf(*mapped, prompt), b = logitsOf(*copied, prompt);
        QCOMPARE(a.size(), b.size());
        QVERIFY(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    }
};

QTEST_GUILESS_MAIN(HugePageWeightsTest)
#include "huge_page_weights_test.moc"
