/* The per-glyph pdfium calls of pdfium_raw.TextReader.page_chars, in one C call per page.
 *
 * Why this exists: on a prose page (Word/WPS print 1-2 glyphs per text object) the
 * Python loop makes about seven ctypes calls per glyph, each ~0.7 us of call overhead
 * around a few nanoseconds of pdfium work: more time than pdfium's whole text
 * extraction (issue 16, bench/prose.py). Here the same calls run in a C loop and their
 * results come back in arrays; every decision about the values (boxes, clips, fonts,
 * unmapped glyphs) stays in Python, in pdfium_raw, which falls back to making the same
 * calls through ctypes when this library was not built.
 *
 * No pdfium header or library is linked: the caller passes the addresses of the pdfium
 * functions pypdfium2 has already loaded (struct api below, C ABI of fpdf_text.h and
 * fpdf_edit.h), so this builds with a C compiler and Python's headers alone and always
 * calls the same pdfium the rest of the engine calls. It holds no state and allocates
 * nothing. The functions are called through ctypes; the Python module it also defines is
 * empty, there so that importing the file (as tools that walk a package do) works.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef void *H;
typedef struct { float a, b, c, d, e, f; } FSMatrix; /* FS_MATRIX */

typedef struct {
    H (*get_text_object)(H text_page, int index);                    /* FPDFText_GetTextObject */
    unsigned (*get_unicode)(H text_page, int index);                 /* FPDFText_GetUnicode */
    int (*is_generated)(H text_page, int index);                     /* FPDFText_IsGenerated */
    int (*get_char_origin)(H text_page, int index, double *x, double *y); /* FPDFText_GetCharOrigin */
    int (*get_matrix)(H text_page, int index, FSMatrix *m);          /* FPDFText_GetMatrix */
    double (*get_font_size)(H text_page, int index);                 /* FPDFText_GetFontSize */
    H (*text_obj_get_font)(H text_object);                           /* FPDFTextObj_GetFont */
    int (*text_obj_get_render_mode)(H text_object);                  /* FPDFTextObj_GetTextRenderMode */
    H (*obj_get_clip_path)(H page_object);                           /* FPDFPageObj_GetClipPath */
} Api;

/* Reads glyphs 0..n-1 of a text page.
 *
 * Per glyph i: run[i] is the index of its text-object run (consecutive glyphs of one
 * text object), -1 for a glyph pdfium generated without an object, -2 for a space or
 * line break pdfium inferred inside an object (code <= 0x20 and IsGenerated); code[i]
 * its Unicode (FPDFText_GetUnicode); (x[i], y[i]) its origin in PDF user space, points.
 *
 * Per run k, read at its first glyph: obj[k] the text object, m[4k..4k+3] the glyph
 * matrix a b c d (FPDFText_GetMatrix: text matrix x CTM), size[k] the font size (Tf),
 * font[k], mode[k] the render mode, clip[k] the object's clip path (0 when none) and
 * state[k] the clip state it points to (the first word of pdfium's CPDF_ClipPath, shared
 * by every object drawn under one clip state; pdfium_raw._clip_state says why).
 *
 * Every array holds n entries (a page has at most n runs). Returns the number of runs.
 */
int budgetpdf_glyph_runs(const Api *api, H tp, int n, int32_t *run, uint32_t *code, double *x, double *y,
                         uintptr_t *obj, double *m, double *size, uintptr_t *font, int32_t *mode,
                         uintptr_t *clip, uintptr_t *state)
{
    H last = 0;
    int k = -1;
    FSMatrix fm;
    for (int i = 0; i < n; i++) {
        H o = api->get_text_object(tp, i);
        if (!o) {
            run[i] = -1;
            continue;
        }
        unsigned u = api->get_unicode(tp, i);
        if (o != last) {
            last = o;
            k++;
            obj[k] = (uintptr_t)o;
            fm.a = fm.b = fm.c = fm.d = fm.e = fm.f = 0.0f;
            api->get_matrix(tp, i, &fm);
            m[4 * k] = fm.a;
            m[4 * k + 1] = fm.b;
            m[4 * k + 2] = fm.c;
            m[4 * k + 3] = fm.d;
            size[k] = api->get_font_size(tp, i);
            font[k] = (uintptr_t)api->text_obj_get_font(o);
            mode[k] = api->text_obj_get_render_mode(o);
            H cp = api->obj_get_clip_path(o);
            clip[k] = (uintptr_t)cp;
            state[k] = cp ? *(uintptr_t *)cp : 0;
        }
        code[i] = u;
        if (u <= 0x20 && api->is_generated(tp, i)) {
            run[i] = -2;
            continue;
        }
        run[i] = k;
        x[i] = y[i] = 0.0;
        api->get_char_origin(tp, i, &x[i], &y[i]);
    }
    return k + 1;
}

typedef struct {
    int (*has_unicode_map_error)(H text_page, int index);                    /* FPDFText_HasUnicodeMapError */
    int (*font_get_glyph_width)(H font, uint32_t glyph, float font_size, float *width); /* FPDFFont_GetGlyphWidth */
} FontApi;

/* For each of m (font, Unicode) pairs, read at glyph index[j] of the text page: err[j]
 * is FPDFText_HasUnicodeMapError of that glyph, width[j] the advance width of Unicode
 * code[j] in font[j] per 1000 units of font size (FPDFFont_GetGlyphWidth at size 1000),
 * or -1 when the font cannot give it (no font, no code, a mapping error or a failed call).
 */
void budgetpdf_glyph_widths(const FontApi *api, H tp, int m, const int64_t *index, const uintptr_t *font,
                            const uint32_t *code, int32_t *err, double *width)
{
    for (int j = 0; j < m; j++) {
        float w = 0.0f;
        err[j] = api->has_unicode_map_error(tp, (int)index[j]);
        width[j] = -1.0;
        if (!err[j] && font[j] && code[j] && api->font_get_glyph_width((H)font[j], code[j], 1000.0f, &w))
            width[j] = w;
    }
}

typedef struct {
    H (*page_get_object)(H page, int index);                 /* FPDFPage_GetObject */
    H (*form_get_object)(H form_object, unsigned long index); /* FPDFFormObj_GetObject */
    int (*obj_get_type)(H page_object);                      /* FPDFPageObj_GetType */
} ObjectApi;

/* The first n page objects of a page (form == 0) or of a form XObject (form != 0, then
 * parent is the form object): handle[k] and type[k] (FPDF_PAGEOBJ_*; 0 for a null handle).
 * pdfium_raw.ObjectReader walks them; a Word/WPS prose page holds hundreds of text objects
 * and nothing else, so this is two calls per object fewer through ctypes.
 */
void budgetpdf_object_types(const ObjectApi *api, H parent, int n, int form, uintptr_t *handle, int32_t *type)
{
    for (int k = 0; k < n; k++) {
        H o = form ? api->form_get_object(parent, (unsigned long)k) : api->page_get_object(parent, k);
        handle[k] = (uintptr_t)o;
        type[k] = o ? api->obj_get_type(o) : 0;
    }
}

static struct PyModuleDef glyphrun_module = {
    PyModuleDef_HEAD_INIT, "_glyphrun",
    "pdfium's per-glyph calls in C loops, called through ctypes by budgetpdf.extract.pdfium_raw.", -1, NULL,
};

PyMODINIT_FUNC PyInit__glyphrun(void)
{
    return PyModule_Create(&glyphrun_module);
}
