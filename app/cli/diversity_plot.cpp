#include "app/cli/diversity_plot.h"

#include <QFileInfo>
#include <QFont>
#include <QFontMetrics>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>
#include <QSaveFile>
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>

namespace fabulist::cli {

namespace {

struct MethodStyle {
    const char* method;
    const char* legend;
    QColor color;
};

// Colours from the common "category10" palette: distinct for the usual colour blindnesses when
// paired with the different marker shapes.
const std::vector<MethodStyle>& styles() {
    static const std::vector<MethodStyle> s = {
        {"alpha", "\u03b1: diversity head", QColor(0xd6, 0x27, 0x28)},
        {"temperature", "temperature (\u03b1 0)", QColor(0x1f, 0x77, 0xb4)},
        {"min_p", "min-p (\u03b1 0)", QColor(0x2c, 0xa0, 0x2c)},
        {"xtc", "XTC probability (\u03b1 0)", QColor(0xff, 0x7f, 0x0e)},
    };
    return s;
}

QString fileName(const std::string& path) {
    return QFileInfo(QString::fromStdString(path)).fileName();
}

QFont font(int pixels, bool bold = false) {
    QFont f("DejaVu Sans");
    f.setPixelSize(pixels);
    f.setBold(bold);
    return f;
}

// About six ticks at 1, 2 or 5 times a power of ten.
std::vector<double> linearTicks(double lo, double hi) {
    const double raw = (hi - lo) / 6.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
    std::vector<double> ticks;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
        ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

// 1, 2, 5 per decade; every integer multiple when the range is too narrow for that.
std::vector<double> logTicks(double lo, double hi) {
    std::vector<double> ticks;
    for (const std::vector<int>& multiples :
         {std::vector<int>{1, 2, 5}, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
        ticks.clear();
        for (int k = int(std::floor(std::log10(lo))); k <= int(std::ceil(std::log10(hi))); ++k)
            for (int m : multiples) {
                const double t = m * std::pow(10.0, k);
                if (t >= lo && t <= hi) ticks.push_back(t);
            }
        if (ticks.size() >= 3) break;
    }
    return ticks;
}

void drawMarker(QPainter& p, const QString& method, QPointF c, double r) {
    if (method == "alpha") {
        p.drawEllipse(c, r, r);
    } else if (method == "temperature") {
        p.drawRect(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r));
    } else if (method == "min_p") {
        p.drawPolygon(
            QPolygonF({QPointF(c.x(), c.y() - 1.2 * r), QPointF(c.x() + 1.2 * r, c.y() + r),
                       QPointF(c.x() - 1.2 * r, c.y() + r)}));
    } else {
        p.drawPolygon(
            QPolygonF({QPointF(c.x(), c.y() - 1.3 * r), QPointF(c.x() + 1.3 * r, c.y()),
                       QPointF(c.x(), c.y() + 1.3 * r), QPointF(c.x() - 1.3 * r, c.y())}));
    }
}

QString valueLabel(double v) {
    return QString::number(v, 'g', 3); // 0.019999999552965164 (a float setting) reads 0.02
}

// One panel: x and y of each point (y on a log scale or linear), axes, grid, curves and the
// legend to the right of the data area.
struct Axes {
    std::function<double(const DiversityPoint&)> x, y;
    bool logY = true;
    const char* xTitle;
    const char* yTitle;
};

void drawPanel(QPainter& p, const QRectF& area, const std::vector<DiversityPoint>& points,
               const Axes& axes) {
    double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    for (const DiversityPoint& pt : points) {
        x0 = std::min(x0, axes.x(pt));
        x1 = std::max(x1, axes.x(pt));
        y0 = std::min(y0, axes.y(pt));
        y1 = std::max(y1, axes.y(pt));
    }
    // Pad so that markers and labels at the extremes stay inside the frame.
    const double dx = std::max(x1 - x0, 0.02);
    x0 -= 0.06 * dx;
    x1 += 0.08 * dx;
    auto scale = [&](double y) { return axes.logY ? std::log10(y) : y; };
    const double ly0 = scale(y0), ly1 = scale(y1);
    const double dly = std::max(ly1 - ly0, axes.logY ? 0.1 : 0.002);
    const double sy0 = ly0 - 0.06 * dly, sy1 = ly1 + 0.08 * dly;
    y0 = axes.logY ? std::pow(10.0, sy0) : sy0;
    y1 = axes.logY ? std::pow(10.0, sy1) : sy1;
    auto mapX = [&](double x) { return area.left() + (x - x0) / (x1 - x0) * area.width(); };
    auto mapY = [&](double y) {
        return area.bottom() - (scale(y) - sy0) / (sy1 - sy0) * area.height();
    };

    // Grid, ticks and tick labels.
    p.setFont(font(12));
    const QFontMetrics fm(p.font());
    for (double t : linearTicks(x0, x1)) {
        const double x = mapX(t);
        p.setPen(QPen(QColor(225, 225, 225), 1));
        p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
        p.setPen(QPen(Qt::black, 1));
        p.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + 6));
        p.drawText(QRectF(x - 40, area.bottom() + 8, 80, 18), Qt::AlignHCenter | Qt::AlignTop,
                   QString::number(t, 'g', 4));
    }
    for (double t : axes.logY ? logTicks(y0, y1) : linearTicks(y0, y1)) {
        const double y = mapY(t);
        p.setPen(QPen(QColor(225, 225, 225), 1));
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        p.setPen(QPen(Qt::black, 1));
        p.drawLine(QPointF(area.left() - 6, y), QPointF(area.left(), y));
        p.drawText(QRectF(area.left() - 90, y - 9, 80, 18), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(t, 'g', 4));
    }
    p.setPen(QPen(Qt::black, 1.5));
    p.setBrush(Qt::NoBrush);
    p.drawRect(area);

    // Axis titles.
    p.setFont(font(14));
    p.drawText(QRectF(area.left(), area.bottom() + 34, area.width(), 24), Qt::AlignCenter,
               QString::fromUtf8(axes.xTitle));
    p.save();
    p.translate(area.left() - 76, area.center().y());
    p.rotate(-90);
    p.drawText(QRectF(-area.height() / 2, -12, area.height(), 24), Qt::AlignCenter,
               QString::fromUtf8(axes.yTitle));
    p.restore();

    // Curves: lines first, then the markers and their setting values on top.
    int legendRow = 0;
    for (const MethodStyle& style : styles()) {
        std::vector<const DiversityPoint*> curve;
        for (const DiversityPoint& pt : points)
            if (pt.method == style.method) curve.push_back(&pt);
        if (curve.empty()) continue;
        std::stable_sort(curve.begin(), curve.end(),
                         [](auto* a, auto* b) { return a->value < b->value; });
        const QString method = QString::fromLatin1(style.method);
        QPolygonF line;
        for (const DiversityPoint* pt : curve)
            line << QPointF(mapX(axes.x(*pt)), mapY(axes.y(*pt)));
        p.setPen(QPen(style.color, 2));
        p.setBrush(Qt::NoBrush);
        p.drawPolyline(line);
        p.setBrush(style.color);
        for (const QPointF& c : line) drawMarker(p, method, c, 5);
        p.setFont(font(11));
        p.setPen(style.color.darker(140));
        for (size_t i = 0; i < curve.size(); ++i)
            p.drawText(line[int(i)] + QPointF(8, -7), valueLabel(curve[i]->value));

        // Legend entry, right of the data area.
        const double ly = area.top() + 14 + 26 * legendRow++;
        const double lx = area.right() + 18;
        p.setPen(QPen(style.color, 2));
        p.drawLine(QPointF(lx, ly), QPointF(lx + 32, ly));
        p.setBrush(style.color);
        drawMarker(p, method, QPointF(lx + 16, ly), 5);
        p.setPen(Qt::black);
        p.setFont(font(13));
        p.drawText(QPointF(lx + 40, ly + fm.ascent() / 2.0 - 1), QString::fromUtf8(style.legend));
    }
}

bool hasWords(const DiversityPoint& pt) {
    return std::isfinite(pt.wordDistinct2) && std::isfinite(pt.nonWordRate);
}

void draw(QImage& image, const DiversityPlot& plot, const std::vector<DiversityPoint>& points) {
    const int w = image.width();
    std::vector<DiversityPoint> wordPoints;
    for (const DiversityPoint& pt : points)
        if (hasWords(pt)) wordPoints.push_back(pt);

    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    p.setPen(Qt::black);
    p.setFont(font(20, true));
    p.drawText(QRectF(0, 8, w, 30), Qt::AlignHCenter | Qt::AlignVCenter,
               QString::fromStdString(plot.title));
    p.setFont(font(14));
    p.drawText(QRectF(0, 40, w, 24), Qt::AlignHCenter | Qt::AlignVCenter,
               QString::fromStdString(plot.subtitle));

    const QRectF top(100, 90, w - 100 - 250, kDiversityPlotHeight - 90 - 80);
    drawPanel(p, top, points,
              {[](const DiversityPoint& pt) { return pt.distinct2; },
               [](const DiversityPoint& pt) { return pt.perplexity; }, true,
               "distinct-2 (distinct bigrams / all bigrams per prompt; right = more diverse)",
               "perplexity under the coherence head, T 1 (log; down = more coherent)"});
    if (!wordPoints.empty()) {
        // The words panel: does the diversity stay in the language?
        const QRectF bottom(100, kDiversityPlotHeight + 30, w - 100 - 250,
                            image.height() - kDiversityPlotHeight - 30 - 80);
        drawPanel(p, bottom, wordPoints,
                  {[](const DiversityPoint& pt) { return pt.wordDistinct2; },
                   [](const DiversityPoint& pt) { return 100.0 * pt.nonWordRate; }, false,
                   "word distinct-2 (distinct word pairs / all word pairs per prompt)",
                   "non-words, % of lowercase words (down = stays in the language)"});
    }
    p.end();
}

} // namespace

const std::vector<std::string>& diversityPlotMethods() {
    static const std::vector<std::string> methods = [] {
        std::vector<std::string> m;
        for (const MethodStyle& s : styles()) m.push_back(s.method);
        return m;
    }();
    return methods;
}

DiversityPlot diversityPlotHeader(const std::string& modelPath, const std::string& adapterPath,
                                  long prompts, long samples, long length, long seed,
                                  const std::string& base) {
    DiversityPlot plot;
    const QString adapter = adapterPath.empty() ? "no adapter" : fileName(adapterPath);
    plot.title =
        ("Diversity vs. coherence: " + fileName(modelPath) + " + " + adapter).toStdString();
    plot.subtitle = QString("N = %1 samples \u00d7 L = %2 tokens per prompt and setting, "
                            "%3 prompts, seed %4")
                        .arg(samples)
                        .arg(length)
                        .arg(prompts)
                        .arg(seed)
                        .toStdString();
    // Which chain the knobs were turned on (eval-diversity --base).
    if (base == "llama")
        plot.subtitle += "; every method on llama.cpp's defaults (top-k 40, top-p 0.95, "
                         "min-p 0.05, T 0.8)";
    else
        plot.subtitle += "; each knob alone (\u03b1 at T 0.8; min-p, XTC at T 1)";
    return plot;
}

namespace {

std::string cannotWrite(const std::string& path, const QSaveFile& out) {
    return "cannot write the plot to '" + path + "': " + out.errorString().toStdString() +
           "; check that its folder exists and is writable";
}

} // namespace

void checkDiversityPlotWritable(const std::string& path) {
    QSaveFile out(QString::fromStdString(path));
    if (!out.open(QIODevice::WriteOnly)) throw std::runtime_error(cannotWrite(path, out));
    out.cancelWriting(); // nothing is committed: an existing file stays as it was
}

void writeDiversityPlot(const DiversityPlot& plot, const std::string& path) {
    // Only finite points can be placed (the y axis is logarithmic, so perplexity must be > 0).
    std::vector<DiversityPoint> points;
    for (const DiversityPoint& pt : plot.points)
        if (std::isfinite(pt.distinct2) && std::isfinite(pt.perplexity) && pt.perplexity > 0.0)
            points.push_back(pt);
    if (points.empty())
        throw std::runtime_error("nothing to plot into '" + path +
                                 "': no setting has a finite distinct-2 and a positive "
                                 "perplexity");

    // Text needs a QGuiApplication (its font database); the CLI has none otherwise, and a
    // display must not be required, so the offscreen platform is the default.
    std::unique_ptr<QGuiApplication> app;
    if (!QCoreApplication::instance()) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
        static int argc = 1;
        static char name[] = "fabulist-cli";
        static char* argv[] = {name, nullptr};
        app = std::make_unique<QGuiApplication>(argc, argv);
    }

    const bool words = std::any_of(points.begin(), points.end(), hasWords);
    QImage image(kDiversityPlotWidth, words ? kDiversityPlotWordsHeight : kDiversityPlotHeight,
                 QImage::Format_RGB32);
    image.fill(Qt::white);
    draw(image, plot, points);

    const QString file = QString::fromStdString(path);
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly)) throw std::runtime_error(cannotWrite(path, out));
    if (!image.save(&out, "PNG") || !out.commit())
        throw std::runtime_error("writing the plot to '" + path +
                                 "' failed: " + out.errorString().toStdString() +
                                 "; check free disk space and permissions");
}

} // namespace fabulist::cli
