#include "ui/export/docx_export.h"

#include "ui/export/manuscript_text.h"
#include "ui/export/xml_text.h"
#include "ui/export/zip_archive.h"

namespace fabulist::exporting {

namespace {

constexpr const char* kXmlHeader =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

constexpr const char* kContentTypes =
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" "
    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
    "</Types>";

constexpr const char* kPackageRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"word/document.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/"
    "relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>"
    "</Relationships>";

constexpr const char* kDocumentRels =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

// Body text first-line indented and 1.5-spaced; chapters start on a new page.
constexpr const char* kStyles =
    "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:pPr><w:spacing w:after=\"0\" w:line=\"360\" w:lineRule=\"auto\"/>"
    "<w:ind w:firstLine=\"720\"/></w:pPr>"
    "<w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\"/>"
    "<w:sz w:val=\"24\"/></w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:jc w:val=\"center\"/><w:ind w:firstLine=\"0\"/>"
    "<w:spacing w:before=\"2880\" w:after=\"240\"/></w:pPr><w:rPr><w:sz w:val=\"48\"/></w:rPr>"
    "</w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Subtitle\"><w:name w:val=\"Subtitle\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:jc w:val=\"center\"/><w:ind w:firstLine=\"0\"/>"
    "</w:pPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:pPr><w:pageBreakBefore/>"
    "<w:jc w:val=\"center\"/><w:ind w:firstLine=\"0\"/><w:spacing w:before=\"1440\" "
    "w:after=\"480\"/><w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"32\"/>"
    "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"SceneBreak\"><w:name w:val=\"Scene Break\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:jc w:val=\"center\"/><w:ind w:firstLine=\"0\"/>"
    "</w:pPr></w:style>"
    "</w:styles>";

std::string paragraph(const std::string& style, const std::string& text) {
    const std::string properties =
        style.empty() ? "" : "<w:pPr><w:pStyle w:val=\"" + style + "\"/></w:pPr>";
    if (text.empty()) return "<w:p>" + properties + "</w:p>";
    return "<w:p>" + properties + "<w:r><w:t xml:space=\"preserve\">" + xmlEscaped(text) +
           "</w:t></w:r></w:p>";
}

std::string coreProperties(const storage::Manuscript& m) {
    return std::string(kXmlHeader) +
           "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/"
           "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
           "<dc:title>" +
           xmlEscaped(m.title) + "</dc:title><dc:creator>" + xmlEscaped(m.author) +
           "</dc:creator></cp:coreProperties>";
}

std::string documentXml(const storage::Manuscript& m, const ExportProgress& progress) {
    std::string body = paragraph("Title", m.title);
    if (!m.author.empty()) body += paragraph("Subtitle", "by " + m.author);
    const int total = static_cast<int>(m.chapters.size());
    for (int c = 0; c < total; ++c) {
        const storage::ManuscriptChapter& chapter = m.chapters[static_cast<size_t>(c)];
        if (!chapter.heading.empty()) body += paragraph("Heading1", chapter.heading);
        for (size_t i = 0; i < chapter.scenes.size(); ++i) {
            if (i > 0) body += paragraph("SceneBreak", m.separatorText());
            for (const std::string& text : paragraphsOf(chapter.scenes[i]))
                body += paragraph({}, text);
        }
        if (progress) progress(c + 1, total);
    }
    return std::string(kXmlHeader) +
           "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
           "<w:body>" +
           body +
           "<w:sectPr><w:pgSz w:w=\"12240\" w:h=\"15840\"/><w:pgMar w:top=\"1440\" "
           "w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" w:header=\"720\" w:footer=\"720\" "
           "w:gutter=\"0\"/></w:sectPr></w:body></w:document>";
}

} // namespace

std::string toDocx(const storage::Manuscript& manuscript, const ExportProgress& progress) {
    ZipWriter zip;
    zip.add("[Content_Types].xml", std::string(kXmlHeader) + kContentTypes);
    zip.add("_rels/.rels", std::string(kXmlHeader) + kPackageRels);
    zip.add("word/_rels/document.xml.rels", std::string(kXmlHeader) + kDocumentRels);
    zip.add("word/styles.xml", std::string(kXmlHeader) + kStyles);
    zip.add("docProps/core.xml", coreProperties(manuscript));
    zip.add("word/document.xml", documentXml(manuscript, progress));
    return zip.finish();
}

} // namespace fabulist::exporting
