// The architecture variants that have no llama.cpp reference model here: qwen2 (Q/K/V bias,
// NEOX RoPE), qwen3 (per-head Q/K RMSNorm), qwen2moe (softmax top-k without renormalisation plus
// a shared expert scaled by a sigmoid gate), olmoe (Q/K RMSNorm over the whole projection, no
// renormalisation). Each test writes a small random model with GgufWriter and compares the
// engine with an independent double-precision forward pass written here from the published
// descriptions of these architectures (no KV cache, everything recomputed).

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <map>
#include <random>

using namespace fabulist::inference;

namespace {

using Vec = std::vector<double>;

struct Spec {
    std::string arch;
    bool bias = false, headNorm = false, wholeNorm = false, moe = false, shared = false,
         renorm = false;
    bool tied = false;
    double ropeLinear = 0.0; // rope.scaling.factor with type linear; 0 = none
    std::string ropeScaling;
    int layers = 2, embd = 32, heads = 4, kvHeads = 2, headDim = 8, ff = 48, experts = 4, used = 2,
        expertFf = 24, sharedFf = 40, vocab = 64;
};

class RandomModel {
public:
    explicit RandomModel(const Spec& s) : m_spec(s) {}

    // Adds a random tensor (F32) under `name` with ggml shape ne; keeps the values for the
    // reference.
    void add(GgufWriter& w, const std::string& name, std::vector<int64_t> ne, double sd,
             double mean = 0.0) {
        std::normal_distribution<float> d{float(mean), float(sd)};
        int64_t n = 1;
        for (auto x : ne) n *= x;
        std::vector<float> v(static_cast<size_t>(n));
        for (auto& x : v) x = d(m_rng);
        w.addTensor(name, GgmlType::F32, ne, v.data(), v.size() * 4);
        m_t[name] = Vec(v.begin(), v.end());
    }
    const Vec& t(const std::string& name) const { return m_t.at(name); }
    bool has(const std::string& name) const { return m_t.count(name) > 0; }

private:
    Spec m_spec;
    std::mt19937 m_rng{1234};
    std::map<std::string, Vec> m_t;
};

std::string writeModel(const Spec& s, RandomModel& m, const QString& dir) {
    GgufWriter w;
    const std::string a = s.arch;
    w.setString("general.architecture", a);
    w.setString("general.name", "variant-" + a);
    w.setU32(a + ".context_length", 64);
    w.setU32(a + ".embedding_length", uint32_t(s.embd));
    w.setU32(a + ".block_count", uint32_t(s.layers));
    w.setU32(a + ".feed_forward_length", uint32_t(s.ff));
    w.setU32(a + ".attention.head_count", uint32_t(s.heads));
    w.setU32(a + ".attention.head_count_kv", uint32_t(s.kvHeads));
    w.setU32(a + ".attention.key_length", uint32_t(s.headDim));
    w.setU32(a + ".attention.value_length", uint32_t(s.headDim));
    w.setF32(a + ".rope.freq_base", 10000.0f);
    w.setF32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
    if (!s.ropeScaling.empty()) {
        w.setString(a + ".rope.scaling.type", s.ropeScaling);
        w.setF32(a + ".rope.scaling.factor", float(s.ropeLinear));
    }
    if (s.moe) {
        w.setU32(a + ".expert_count", uint32_t(s.experts));
        w.setU32(a + ".expert_used_count", uint32_t(s.used));
        w.setU32(a + ".expert_feed_forward_length", uint32_t(s.expertFf));
        if (s.shared) w.setU32(a + ".expert_shared_feed_forward_length", uint32_t(s.sharedFf));
    }
    // A byte-level BPE vocabulary of single printable characters (no merges).
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    for (int i = 0; i < s.vocab; ++i) {
        tokens.push_back(std::string(1, char(33 + i)));
        types.push_back(1);
    }
    w.setString("tokenizer.ggml.model", "gpt2");
    w.setString("tokenizer.ggml.pre", "gpt-2");
    w.setStringArray("tokenizer.ggml.tokens", tokens);
    w.setArray("tokenizer.ggml.token_type", types);
    w.setStringArray("tokenizer.ggml.merges", std::vector<std::string>{});
    w.setU32("tokenizer.ggml.bos_token_id", 0);
    w.setU32("tokenizer.ggml.eos_token_id", 1);

    const int64_t E = s.embd, q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
    const double wstd = 1.0 / std::sqrt(double(E));
    m.add(w, "token_embd.weight", {E, s.vocab}, 0.5);
    m.add(w, "output_norm.weight", {E}, 0.1, 1.0);
    if (!s.tied) m.add(w, "output.weight", {E, s.vocab}, 0.25);
    for (int l = 0; l < s.layers; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        m.add(w, b + "attn_norm.weight", {E}, 0.1, 1.0);
        m.add(w, b + "attn_q.weight", {E, q}, 1.5 * wstd);
        m.add(w, b + "attn_k.weight", {E, kv}, 1.5 * wstd);
        m.add(w, b + "attn_v.weight", {E, kv}, wstd);
        m.add(w, b + "attn_output.weight", {q, E}, 2.0 / std::sqrt(double(q)));
        if (s.bias) {
            m.add(w, b + "attn_q.bias", {q}, 0.3);
            m.add(w, b + "attn_k.bias", {kv}, 0.3);
            m.add(w, b + "attn_v.bias", {kv}, 0.3);
        }
        if (s.headNorm) {
            m.add(w, b + "attn_q_norm.weight", {s.headDim}, 0.1, 1.0);
            m.add(w, b + "attn_k_norm.weight", {s.headDim}, 0.1, 1.0);
        }
        if (s.wholeNorm) {
            m.add(w, b + "attn_q_norm.weight", {q}, 0.1, 1.0);
            m.add(w, b + "attn_k_norm.weight", {kv}, 0.1, 1.0);
        }
        m.add(w, b + "ffn_norm.weight", {E}, 0.1, 1.0);
        if (s.moe) {
            m.add(w, b + "ffn_gate_inp.weight", {E, s.experts}, 2.0 * wstd);
            m.add(w, b + "ffn_gate_exps.weight", {E, s.expertFf, s.experts}, wstd);
            m.add(w, b + "ffn_up_exps.weight", {E, s.expertFf, s.experts}, wstd);
            m.add(w, b + "ffn_down_exps.weight", {s.expertFf, E, s.experts},
                  2.0 / std::sqrt(double(s.expertFf)));
            if (s.shared) {
                m.add(w, b + "ffn_gate_inp_shexp.weight", {E}, 2.0 * wstd);
                m.add(w, b + "ffn_gate_shexp.weight", {E, s.sharedFf}, wstd);
                m.add(w, b + "ffn_up_shexp.weight", {E, s.sharedFf}, wstd);
                m.add(w, b + "ffn_down_shexp.weight", {s.sharedFf, E},
                      2.0 / std::sqrt(double(s.sharedFf)));
            }
        } else {
            m.add(w, b + "ffn_gate.weight", {E, s.ff}, wstd);
            m.add(w, b + "ffn_up.weight", {E, s.ff}, wstd);
            m.add(w, b + "ffn_down.weight", {s.ff, E}, 3.0 / std::sqrt(double(s.ff)));
        }
    }
    const std::string path = (dir + "/" + QString::fromStdString(a) + ".gguf").toStdString();
    w.write(path);
    return path;
}

// y = W x for a ggml matrix W with ne = [n, rows] (row r = W[r*n .. r*n+n)).
Vec matvec(const Vec& W, const Vec& x, size_t offset = 0) {
    const size_t n = x.size(), rows = (W.size() - offset) / n;
    Vec y(rows, 0.0);
    for (size_t r = 0; r < rows; ++r)
        for (size_t i = 0; i < n; ++i) y[r] += W[offset + r * n + i] * x[i];
    return y;
}
Vec matvecRows(const Vec& W, const Vec& x, size_t firstRow, size_t rows) {
    const size_t n = x.size();
    Vec y(rows, 0.0);
    for (size_t r = 0; r < rows; ++r)
        for (size_t i = 0; i < n; ++i) y[r] += W[(firstRow + r) * n + i] * x[i];
    return y;
}
void rmsnorm(Vec& x, size_t begin, size_t n, const Vec& w, double eps) {
    double ss = 0.0;
    for (size_t i = 0; i < n; ++i) ss += x[begin + i] * x[begin + i];
    const double s = 1.0 / std::sqrt(ss / double(n) + eps);
    for (size_t i = 0; i < n; ++i) x[begin + i] = x[begin + i] * s * w[i];
}
double silu(double v) {
    return v / (1.0 + std::exp(-v));
}

// NEOX rotation of every head of v (rotary size = head size), position pos.
void ropeNeox(Vec& v, int heads, int hd, double pos) {
    for (int h = 0; h < heads; ++h)
        for (int i = 0; i < hd / 2; ++i) {
            const double th = pos * std::pow(10000.0, -2.0 * i / hd);
            double& a = v[size_t(h * hd + i)];
            double& b = v[size_t(h * hd + i + hd / 2)];
            const double x0 = a, x1 = b;
            a = x0 * std::cos(th) - x1 * std::sin(th);
            b = x0 * std::sin(th) + x1 * std::cos(th);
        }
}

Vec swiglu(const Vec& G, const Vec& U, const Vec& D, const Vec& x, size_t ff, size_t e) {
    const size_t E = x.size();
    const Vec g = matvecRows(G, x, e * ff, ff), u = matvecRows(U, x, e * ff, ff);
    Vec h(static_cast<size_t>(ff));
    for (size_t i = 0; i < ff; ++i) h[i] = silu(g[i]) * u[i];
    return matvecRows(D, h, e * E, E);
}

// Logits of the last position of `ids`.
Vec referenceForward(const Spec& s, const RandomModel& m, const std::vector<int32_t>& ids) {
    const size_t E = size_t(s.embd), T = ids.size(), hd = size_t(s.headDim);
    const int q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
    const double eps = 1e-6;
    std::vector<Vec> x(T);
    for (size_t t = 0; t < T; ++t)
        x[t] = Vec(m.t("token_embd.weight").begin() + long(size_t(ids[t]) * E),
                   m.t("token_embd.weight").begin() + long(size_t(ids[t] + 1) * E));
    for (int l = 0; l < s.layers; ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        std::vector<Vec> Q(T), K(T), V(T);
        for (size_t t = 0; t < T; ++t) {
            Vec xn = x[t];
            rmsnorm(xn, 0, E, m.t(b + "attn_norm.weight"), eps);
            Q[t] = matvec(m.t(b + "attn_q.weight"), xn);
            K[t] = matvec(m.t(b + "attn_k.weight"), xn);
            V[t] = matvec(m.t(b + "attn_v.weight"), xn);
            if (s.bias)
                for (int i = 0; i < q; ++i) Q[t][size_t(i)] += m.t(b + "attn_q.bias")[size_t(i)];
            if (s.bias)
                for (int i = 0; i < kv; ++i) {
                    K[t][size_t(i)] += m.t(b + "attn_k.bias")[size_t(i)];
                    V[t][size_t(i)] += m.t(b + "attn_v.bias")[size_t(i)];
                }
            if (s.headNorm) {
                for (int h = 0; h < s.heads; ++h)
                    rmsnorm(Q[t], size_t(h) * hd, hd, m.t(b + "attn_q_norm.weight"), eps);
                for (int h = 0; h < s.kvHeads; ++h)
                    rmsnorm(K[t], size_t(h) * hd, hd, m.t(b + "attn_k_norm.weight"), eps);
            }
            if (s.wholeNorm) {
                rmsnorm(Q[t], 0, size_t(q), m.t(b + "attn_q_norm.weight"), eps);
                rmsnorm(K[t], 0, size_t(kv), m.t(b + "attn_k_norm.weight"), eps);
            }
            const double pos = s.ropeLinear > 0 ? double(t) / s.ropeLinear : double(t);
            ropeNeox(Q[t], s.heads, s.headDim, pos);
            ropeNeox(K[t], s.kvHeads, s.headDim, pos);
        }
        for (size_t t = 0; t < T; ++t) {
            Vec att(size_t(q), 0.0);
            for (int h = 0; h < s.heads; ++h) {
                const size_t kh = size_t(h / (s.heads / s.kvHeads));
                Vec sc(static_cast<size_t>(t + 1));
                double mx = -1e300, sum = 0.0;
                for (size_t j = 0; j <= t; ++j) {
                    double d = 0.0;
                    for (size_t i = 0; i < hd; ++i)
                        d += Q[t][size_t(h) * hd + i] * K[j][kh * hd + i];
                    sc[j] = d / std::sqrt(double(hd));
                    mx = std::max(mx, sc[j]);
                }
                for (auto& v : sc) sum += (v = std::exp(v - mx));
                for (size_t j = 0; j <= t; ++j)
                    for (size_t i = 0; i < hd; ++i)
                        att[size_t(h) * hd + i] += sc[j] / sum * V[j][kh * hd + i];
            }
            const Vec o = matvec(m.t(b + "attn_output.weight"), att);
            for (size_t i = 0; i < E; ++i) x[t][i] += o[i];
        }
        for (size_t t = 0; t < T; ++t) {
            Vec xn = x[t];
            rmsnorm(xn, 0, E, m.t(b + "ffn_norm.weight"), eps);
            Vec out(E, 0.0);
            if (s.moe) {
                const Vec logits = matvec(m.t(b + "ffn_gate_inp.weight"), xn);
                double mx = -1e300, sum = 0.0;
                for (double v : logits) mx = std::max(mx, v);
                Vec p(static_cast<size_t>(logits.size()));
                for (size_t e = 0; e < p.size(); ++e) sum += (p[e] = std::exp(logits[e] - mx));
                std::vector<std::pair<double, size_t>> order;
                for (size_t e = 0; e < p.size(); ++e) order.push_back({p[e] / sum, e});
                std::sort(order.rbegin(), order.rend());
                double wsum = 0.0;
                for (int j = 0; j < s.used; ++j) wsum += order[size_t(j)].first;
                for (int j = 0; j < s.used; ++j) {
                    const Vec y =
                        swiglu(m.t(b + "ffn_gate_exps.weight"), m.t(b + "ffn_up_exps.weight"),
                               m.t(b + "ffn_down_exps.weight"), xn, size_t(s.expertFf),
                               order[size_t(j)].second);
                    const double w = order[size_t(j)].first / (s.renorm ? wsum : 1.0);
                    for (size_t i = 0; i < E; ++i) out[i] += w * y[i];
                }
                if (s.shared) {
                    double g = 0.0;
                    for (size_t i = 0; i < E; ++i)
                        g += m.t(b + "ffn_gate_inp_shexp.weight")[i] * xn[i];
                    const double sg = 1.0 / (1.0 + std::exp(-g));
                    const Vec y =
                        swiglu(m.t(b + "ffn_gate_shexp.weight"), m.t(b + "ffn_up_shexp.weight"),
                               m.t(b + "ffn_down_shexp.weight"), xn, size_t(s.sharedFf), 0);
                    for (size_t i = 0; i < E; ++i) out[i] += sg * y[i];
                }
            } else {
                out = swiglu(m.t(b + "ffn_gate.weight"), m.t(b + "ffn_up.weight"),
                             m.t(b + "ffn_down.weight"), xn, size_t(s.ff), 0);
            }
            for (size_t i = 0; i < E; ++i) x[t][i] += out[i];
        }
    }
    Vec h = x[T - 1];
    rmsnorm(h, 0, E, m.t("output_norm.weight"), eps);
    return matvec(m.t(s.tied ? "token_embd.weight" : "output.weight"), h);
}

} // namespace

class ModelArchVariantsTest : public QObject {
    Q_OBJECT

private slots:
    void matchesIndependentReference_data() {
        QTest::addColumn<int>("variant");
        QTest::newRow("qwen2: qkv bias, tied") << 0;
        QTest::newRow("qwen3: per-head q/k norm") << 1;
        QTest::newRow("qwen2moe: shared expert, no renorm") << 2;
        QTest::newRow("olmoe: whole q/k norm, no renorm") << 3;
        QTest::newRow("qwen3moe: renorm") << 4;
        QTest::newRow("qwen2: linear rope scaling") << 5;
    }

    void matchesIndependentReference() {
        QFETCH(int, variant);
        Spec s;
        switch (variant) {
        case 0:
            s.arch = "qwen2";
            s.bias = true;
            s.tied = true;
            break;
        case 1:
            s.arch = "qwen3";
            s.headNorm = true;
            break;
        case 2:
            s.arch = "qwen2moe";
            s.bias = true;
            s.moe = s.shared = true;
            break;
        case 3:
            s.arch = "olmoe";
            s.wholeNorm = true;
            s.moe = true;
            break;
        case 5:
            s.arch = "qwen2";
            s.ropeScaling = "linear";
            s.ropeLinear = 4.0;
            break;
        default:
            s.arch = "qwen3moe";
            s.headNorm = true;
            s.moe = s.renorm = true;
            break;
        }
        QTemporaryDir dir;
        RandomModel m(s);
        EngineOptions o;
        o.modelPath = writeModel(s, m, dir.path());
        o.kvCacheType = GgmlType::F32;
        o.threads = 2;
        auto engine = Engine::load(o);
        QCOMPARE(QString::fromStdString(engine->info().architecture),
                 QString::fromStdString(s.arch));
        auto session = engine->createSession();
        std::vector<int32_t> ids;
        for (int i = 0; i < 11; ++i) ids.push_back(int32_t((i * 37 + 5) % s.vocab));
        // Prompt processing for the first 7 tokens, then decode steps, checked at every step.
        session->evaluate(std::span<const int32_t>(ids).first(7));
        for (size_t n = 7; n <= ids.size(); ++n) {
            if (n > 7) session->appendToken(ids[n - 1]);
            const Vec want =
                referenceForward(s, m, std::vector<int32_t>(ids.begin(), ids.begin() + long(n)));
            const auto got = session->logits();
            QCOMPARE(got.size(), want.size());
            double d = 0.0;
            for (size_t i = 0; i < want.size(); ++i)
                d = std::max(d, std::abs(double(got[i]) - want[i]));
            QVERIFY2(d < 2e-4, qPrintable(QString("%1 tokens: max |dlogit| %2").arg(n).arg(d)));
        }
    }

    void refusesInconsistentFiles() {
        // Metadata that disagrees with a tensor: the error names the file and the tensor.
        Spec s;
        s.arch = "qwen3";
        s.headNorm = true;
        s.heads = 4;
        QTemporaryDir dir;
        RandomModel m(s);
        const std::string path = writeModel(s, m, dir.path());
        {
            auto file = GgufFile::open(path);
            GgufWriter w;
            for (const auto& key : file->keys()) {
                if (key == "qwen3.attention.head_count")
                    w.setU32(key, 2); // tensors were made for 4 heads
                else if (file->typeOf(key) == GgufValueType::String)
                    w.setString(key, file->getString(key));
                else if (file->typeOf(key) == GgufValueType::F32)
                    w.setF32(key, float(file->getFloat(key)));
                else if (file->typeOf(key) == GgufValueType::Array &&
                         file->arrayElementType(key) == GgufValueType::String) {
                    std::vector<std::string> v;
                    for (auto sv : file->getStringArray(key)) v.emplace_back(sv);
                    w.setStringArray(key, v);
                } else if (file->typeOf(key) == GgufValueType::Array) {
                    std::vector<int32_t> v;
                    for (auto x : file->getIntArray(key)) v.push_back(int32_t(x));
                    w.setArray(key, v);
                } else {
                    w.setU32(key, uint32_t(file->getUInt(key)));
                }
            }
            for (const auto& t : file->tensors()) {
                std::vector<int64_t> ne(t.ne.begin(), t.ne.begin() + t.nDims);
                w.addTensor(t.name, t.type, ne, t.data, size_t(t.nbytes));
            }
            w.write(path + ".bad.gguf");
        }
        EngineOptions o;
        o.modelPath = path + ".bad.gguf";
        try {
            Engine::load(o);
            QFAIL("inconsistent file accepted");
        } catch (const EngineError& e) {
            QVERIFY2(QString(e.what()).contains("qwen3.gguf.bad.gguf"), e.what());
            QVERIFY2(QString(e.what()).contains("blk.0.attn_q.weight"), e.what());
            qInfo("%s", e.what());
        }
    }

    // YaRN runs (parity_next_test), but a YaRN file without its original context is refused
    // by name, and so is a scaling kind the engine does not implement.
    void refusesIncompleteYarnAndUnknownScaling() {
        for (const char* kind : {"yarn", "longrope"}) {
            Spec s;
            s.arch = "qwen2";
            s.ropeScaling = kind;
            s.ropeLinear = 4.0;
            QTemporaryDir dir;
            RandomModel m(s);
            EngineOptions o;
            o.modelPath = writeModel(s, m, dir.path());
            try {
                Engine::load(o);
                QFAIL(qPrintable(QString(kind) + " scaling accepted"));
            } catch (const EngineError& e) {
                const QString what = e.what();
                QVERIFY2(what.contains(kind == std::string("yarn") ? "original_context_length"
                                                                   : "longrope"),
                         e.what());
                QVERIFY2(what.contains("qwen2.gguf"), e.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(ModelArchVariantsTest)
#include "model_arch_variants_test.moc"
