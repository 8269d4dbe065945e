#include "ui/editor/highlighter_factory.h"

#include "ui/editor/markdown_highlighter.h"
#include "ui/editor/spell_underline.h"

#include <QTextCharFormat>

#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Format>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/SyntaxHighlighter>
#include <KSyntaxHighlighting/Theme>
#endif

namespace fabulist::ui {

#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
namespace {
// KSyntaxHighlighting's own applyFormat sets an explicit foreground for every range, and with
// some Markdown definitions/themes (seen with KF 6.13 and Breeze) that colour is fully
// transparent, which makes prose invisible. We build the character format ourselves and leave
// the colour to the editor's palette whenever the theme gives none that can be seen.
class MarkdownSyntaxHighlighter : public KSyntaxHighlighting::SyntaxHighlighter {
public:
    using SyntaxHighlighter::SyntaxHighlighter;
    void setSpellUnderline(SpellUnderline* spell) { m_spell = spell; }

protected:
    void highlightBlock(const QString& text) override {
        SyntaxHighlighter::highlightBlock(text);
        if (m_spell)
            m_spell->apply(
                text, currentBlock(), [this](int i) { return format(i); },
                [this](int start, int count, const QTextCharFormat& f) {
                    setFormat(start, count, f);
                });
    }

    void applyFormat(int offset, int length, const KSyntaxHighlighting::Format& format) override {
        if (length <= 0) return;
        const KSyntaxHighlighting::Theme t = theme();
        QTextCharFormat f;
        if (format.hasTextColor(t)) {
            const QColor c = format.textColor(t);
            if (c.isValid() && c.alpha() > 0) f.setForeground(c);
        }
        if (format.hasBackgroundColor(t)) {
            const QColor c = format.backgroundColor(t);
            if (c.isValid() && c.alpha() > 0) f.setBackground(c);
        }
        if (format.isBold(t)) f.setFontWeight(QFont::Bold);
        if (format.isItalic(t)) f.setFontItalic(true);
        if (format.isUnderline(t)) f.setFontUnderline(true);
        if (format.isStrikeThrough(t)) f.setFontStrikeOut(true);
        setFormat(offset, length, f);
    }

private:
    SpellUnderline* m_spell = nullptr;
};

// Loading the repository reads every definition file; do it once. It must outlive highlighters.
KSyntaxHighlighting::Repository& repository() {
    static KSyntaxHighlighting::Repository repo;
    return repo;
}
KSyntaxHighlighting::Theme themeFor(ColorScheme scheme) {
    return repository().defaultTheme(scheme == ColorScheme::Dark
                                         ? KSyntaxHighlighting::Repository::DarkTheme
                                         : KSyntaxHighlighting::Repository::LightTheme);
}
} // namespace
#endif

QSyntaxHighlighter* createHighlighter(QTextDocument* document, ColorScheme scheme) {
#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
    const KSyntaxHighlighting::Definition markdown = repository().definitionForName("Markdown");
    if (markdown.isValid()) {
        auto* h = new MarkdownSyntaxHighlighter(document);
        h->setDefinition(markdown);
        h->setTheme(themeFor(scheme));
        return h;
    }
#endif
    return new MarkdownHighlighter(document, scheme);
}

void setHighlighterScheme(QSyntaxHighlighter* highlighter, ColorScheme scheme) {
    if (auto* own = qobject_cast<MarkdownHighlighter*>(highlighter)) {
        own->setScheme(scheme);
        return;
    }
#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
    if (auto* k = dynamic_cast<KSyntaxHighlighting::SyntaxHighlighter*>(highlighter)) {
        k->setTheme(themeFor(scheme));
        k->rehighlight();
    }
#endif
}

void attachSpellChecker(QSyntaxHighlighter* highlighter, SpellChecker* checker) {
    auto* spell = new SpellUnderline(highlighter, checker);
    if (auto* own = qobject_cast<MarkdownHighlighter*>(highlighter)) own->setSpellUnderline(spell);
#ifdef FABULIST_HAVE_KSYNTAXHIGHLIGHTING
    if (auto* k = dynamic_cast<MarkdownSyntaxHighlighter*>(highlighter)) k->setSpellUnderline(spell);
#endif
    highlighter->rehighlight();
}

} // namespace fabulist::ui
