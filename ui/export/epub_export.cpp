#include "ui/export/epub_export.h"

#include "ui/export/manuscript_text.h"
#include "ui/export/xml_text.h"
#include "ui/export/zip_archive.h"

namespace fabulist::exporting {

namespace {

constexpr const char* kContainer =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">"
    "<rootfiles><rootfile full-path=\"OEBPS/content.opf\" "
    "media-type=\"application/oebps-package+xml\"/></rootfiles></container>";

constexpr const char* kStyle =
    "body { font-family: serif; line-height: 1.5; }\n"
    "h1 { text-align: center; margin: 3em 0 1.5em; }\n"
    "p { margin: 0; text-indent: 1.5em; }\n"
    "p.scene-break { text-align: center; text-indent: 0; margin: 1em 0; }\n"
    ".title { text-align: center; text-indent: 0; margin-top: 30%; font-size: 2em; }\n"
    ".author { text-align: center; text-indent: 0; margin-top: 1em; }\n";

std::string xhtml(const std::string& title, const std::string& body,
                  const std::string& extraNamespace = {}) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
           "<html xmlns=\"http://www.w3.org/1999/xhtml\"" +
           extraNamespace + "><head><meta charset=\"UTF-8\"/><title>" + xmlEscaped(title) +
           "</title><link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/></head>"
           "<body>" +
           body + "</body></html>";
}

std::string chapterFile(size_t index) {
    return "chapter-" + std::to_string(index + 1) + ".xhtml";
}

// The navigation label of a chapter without a heading.
std::string labelOf(const storage::ManuscriptChapter& chapter, size_t index) {
    return chapter.heading.empty() ? "Part " + std::to_string(index + 1) : chapter.heading;
}

std::string chapterXhtml(const storage::Manuscript& m, size_t index) {
    const storage::ManuscriptChapter& chapter = m.chapters[index];
    std::string body;
    if (!chapter.heading.empty()) body += "<h1>" + xmlEscaped(chapter.heading) + "</h1>";
    const std::string separator = m.separator == storage::SceneSeparator::Hash ? "#" : "&#160;";
    for (size_t i = 0; i < chapter.scenes.size(); ++i) {
        if (i > 0) body += "<p class=\"scene-break\">" + separator + "</p>";
        for (const std::string& text : paragraphsOf(chapter.scenes[i]))
            body += "<p>" + xmlEscaped(text) + "</p>";
    }
    return xhtml(labelOf(chapter, index), body);
}

std::string titleXhtml(const storage::Manuscript& m) {
    std::string body = "<p class=\"title\">" + xmlEscaped(m.title) + "</p>";
    if (!m.author.empty()) body += "<p class=\"author\">by " + xmlEscaped(m.author) + "</p>";
    return xhtml(m.title, body);
}

std::string navXhtml(const storage::Manuscript& m) {
    std::string items = "<li><a href=\"title.xhtml\">" + xmlEscaped(m.title) + "</a></li>";
    for (size_t i = 0; i < m.chapters.size(); ++i)
        items += "<li><a href=\"" + chapterFile(i) + "\">" + xmlEscaped(labelOf(m.chapters[i], i)) +
                 "</a></li>";
    return xhtml("Contents",
                 "<nav epub:type=\"toc\" id=\"toc\"><h1>Contents</h1><ol>" + items + "</ol></nav>",
                 " xmlns:epub=\"http://www.idpf.org/2007/ops\"");
}

std::string packageOpf(const storage::Manuscript& m, const std::string& identifier,
                       const std::string& modified) {
    std::string manifest =
        "<item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" "
        "properties=\"nav\"/><item id=\"style\" href=\"style.css\" media-type=\"text/css\"/>"
        "<item id=\"title\" href=\"title.xhtml\" media-type=\"application/xhtml+xml\"/>";
    std::string spine = "<itemref idref=\"title\"/>";
    for (size_t i = 0; i < m.chapters.size(); ++i) {
        const std::string id = "chapter-" + std::to_string(i + 1);
        manifest += "<item id=\"" + id + "\" href=\"" + chapterFile(i) +
                    "\" media-type=\"application/xhtml+xml\"/>";
        spine += "<itemref idref=\"" + id + "\"/>";
    }
    const std::string creator =
        m.author.empty() ? "" : "<dc:creator>" + xmlEscaped(m.author) + "</dc:creator>";
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" "
           "unique-identifier=\"book-id\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
           "<dc:identifier id=\"book-id\">" +
           xmlEscaped(identifier) +
           "</dc:identifier>"
           "<dc:title>" +
           xmlEscaped(m.title) + "</dc:title><dc:language>en</dc:language>" + creator +
           "<meta property=\"dcterms:modified\">" + modified +
           "</meta></metadata>"
           "<manifest>" +
           manifest + "</manifest><spine>" + spine + "</spine></package>";
}

} // namespace

std::string toEpub(const storage::Manuscript& manuscript, const std::string& identifier,
                   const std::string& modified, const ExportProgress& progress) {
    ZipWriter zip;
    zip.add("mimetype", "application/epub+zip", /*stored=*/true); // first, so readers know it
    zip.add("META-INF/container.xml", kContainer);
    zip.add("OEBPS/content.opf", packageOpf(manuscript, identifier, modified));
    zip.add("OEBPS/nav.xhtml", navXhtml(manuscript));
    zip.add("OEBPS/style.css", kStyle);
    zip.add("OEBPS/title.xhtml", titleXhtml(manuscript));
    const int total = static_cast<int>(manuscript.chapters.size());
    for (size_t i = 0; i < manuscript.chapters.size(); ++i) {
        zip.add("OEBPS/" + chapterFile(i), chapterXhtml(manuscript, i));
        if (progress) progress(static_cast<int>(i) + 1, total);
    }
    return zip.finish();
}

} // namespace fabulist::exporting
