// The CUDA backend's graph bookkeeping (when a deferred op list is captured into a CUDA graph and
// when a captured graph replays), pure C++: runs everywhere, with or without CUDA.

#include "inference/backend/cuda/graph_bookkeeping.h"

#include <QtTest>
#include <vector>

using fabulist::inference::cuda::GraphBookkeeping;
using Action = GraphBookkeeping::Action;

class CudaGraphBookkeepingTest : public QObject {
    Q_OBJECT

private slots:
    // A list runs eagerly the first time, is captured the second, replays from then on.
    void captureOnFirstRepeatThenReplay() {
        GraphBookkeeping book;
        const std::vector<uint64_t> decode{8, 0x7f00, 1, 4096}, prompt{8, 0x7f00, 512, 4096};
        QCOMPARE(book.decide(prompt).action, Action::RunEagerly);
        QCOMPARE(book.decide(decode).action, Action::RunEagerly);
        const auto captured = book.decide(decode);
        QCOMPARE(captured.action, Action::Capture);
        QVERIFY(book.occupied(captured.slot));
        for (int step = 0; step < 5; ++step) {
            const auto d = book.decide(decode);
            QCOMPARE(d.action, Action::Replay);
            QCOMPARE(d.slot, captured.slot);
        }
        QCOMPARE(book.captures(), uint64_t(1));
        QCOMPARE(book.replays(), uint64_t(5));
        QCOMPARE(book.eagerRuns(), uint64_t(2));
    }

    // Lists that differ in one word (another buffer, another row count) never share a graph,
    // nor do lists where one is a prefix of the other.
    void differentListsGetTheirOwnGraphs() {
        GraphBookkeeping book;
        const std::vector<uint64_t> a{1, 2, 3}, b{1, 2, 4}, prefix{1, 2};
        for (const auto* l : {&a, &a, &b, &b, &prefix, &prefix}) book.decide(*l);
        const auto ra = book.decide(a), rb = book.decide(b), rp = book.decide(prefix);
        QCOMPARE(ra.action, Action::Replay);
        QCOMPARE(rb.action, Action::Replay);
        QCOMPARE(rp.action, Action::Replay);
        QVERIFY(ra.slot != rb.slot && rb.slot != rp.slot && ra.slot != rp.slot);
    }

    // With every slot taken, a new graph goes to the least recently replayed slot, and the
    // evicted list is captured again after it repeats.
    void leastRecentlyUsedSlotIsReused() {
        GraphBookkeeping book(2, 2);
        const std::vector<uint64_t> a{1}, b{2}, c{3};
        for (const auto* l : {&a, &a, &b, &b}) book.decide(*l);
        QCOMPARE(book.decide(a).action, Action::Replay); // b is now the least recently used
        const size_t bSlot = book.decide(b).slot;
        QCOMPARE(book.decide(a).action, Action::Replay);
        QCOMPARE(book.decide(c).action, Action::RunEagerly);
        const auto cc = book.decide(c);
        QCOMPARE(cc.action, Action::Capture);
        QCOMPARE(cc.slot, bSlot);
        QCOMPARE(book.decide(b).action, Action::RunEagerly); // evicted: seen once more
        QCOMPARE(book.decide(b).action, Action::Capture);
    }

    // invalidate() (a buffer the graphs may address was freed) returns the slots to destroy and
    // starts over: the next repeat captures anew.
    void invalidateForgetsEveryGraph() {
        GraphBookkeeping book;
        const std::vector<uint64_t> a{5, 6};
        book.decide(a);
        const size_t slot = book.decide(a).slot;
        QCOMPARE(book.decide(a).action, Action::Replay);
        const std::vector<size_t> held = book.invalidate();
        QCOMPARE(held, std::vector<size_t>{slot});
        QVERIFY(!book.occupied(slot));
        QCOMPARE(book.decide(a).action, Action::RunEagerly);
        QCOMPARE(book.decide(a).action, Action::Capture);
    }

    // A failed capture empties the slot and the list runs eagerly from then on.
    void failedCaptureRunsEagerlyForGood() {
        GraphBookkeeping book;
        const std::vector<uint64_t> a{9};
        book.decide(a);
        const auto c = book.decide(a);
        QCOMPARE(c.action, Action::Capture);
        book.captureFailed(c.slot);
        QVERIFY(!book.occupied(c.slot));
        for (int i = 0; i < 4; ++i) QCOMPARE(book.decide(a).action, Action::RunEagerly);
    }
};

QTEST_GUILESS_MAIN(CudaGraphBookkeepingTest)
#include "cuda_graph_bookkeeping_test.moc"
