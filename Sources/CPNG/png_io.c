#include "png_io.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Values longer than this go in compressed chunks (zTXt / compressed iTXt); short ones stay
// uncompressed so that `strings file.png` and simple tools can read the prompt and seed.
#define LONG_TEXT 1024

// ---- errors -----------------------------------------------------------------------------------

typedef struct {
    char *buf;
    size_t len;
} err_sink;

static void set_message(err_sink *sink, const char *msg) {
    if (sink == NULL || sink->buf == NULL || sink->len == 0) return;
    snprintf(sink->buf, sink->len, "%s", msg);
}

// libpng requires the error callback not to return; longjmp back to the setjmp in the entry point.
static void on_error(png_structp png, png_const_charp msg) {
    set_message((err_sink *)png_get_error_ptr(png), msg);
    png_longjmp(png, 1);
}

// Warnings (a bad ancillary CRC, an odd sRGB profile) never stop a read; keep stderr clean.
static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

// ---- encoding -----------------------------------------------------------------------------------

typedef struct {
    uint8_t *data;
    size_t len, cap;
} mem_out;

static void write_mem(png_structp png, png_bytep data, size_t n) {
    mem_out *m = (mem_out *)png_get_io_ptr(png);
    if (n > m->cap - m->len) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap - m->len < n) cap *= 2;
        uint8_t *grown = (uint8_t *)realloc(m->data, cap);
        if (grown == NULL) png_error(png, "out of memory while encoding PNG");
        m->data = grown;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, n);
    m->len += n;
}

static void flush_mem(png_structp png) { (void)png; }

// PNG keywords (spec §11.3.4): 1–79 Latin-1 characters without leading, trailing or doubled
// spaces. We accept the printable ASCII subset, which is all flowrl writes.
static int valid_keyword(const char *key) {
    size_t n = strlen(key);
    if (n < 1 || n > 79 || key[0] == ' ' || key[n - 1] == ' ') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c < 32 || c > 126) return 0;
        if (c == ' ' && key[i + 1] == ' ') return 0;
    }
    return 1;
}

static int is_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s > 126) return 0;
    return 1;
}

int flowrl_png_encode(const uint8_t *rgb, int width, int height,
                      const char *const *keys, const char *const *values, int ntext,
                      int compression_level,
                      uint8_t **out, size_t *out_len, char *err, size_t errlen) {
    err_sink sink = {err, errlen};
    *out = NULL;
    *out_len = 0;
    if (width < 1 || height < 1 || width > FLOWRL_PNG_MAX_SIDE || height > FLOWRL_PNG_MAX_SIDE) {
        char msg[128];
        snprintf(msg, sizeof msg, "image size %dx%d is outside 1...%d per side",
                 width, height, FLOWRL_PNG_MAX_SIDE);
        set_message(&sink, msg);
        return FLOWRL_PNG_BAD_ARGUMENT;
    }
    if (ntext < 0) ntext = 0;
    for (int i = 0; i < ntext; i++) {
        if (!valid_keyword(keys[i])) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "text key \"%.100s\" is not a PNG keyword (1-79 printable ASCII characters, "
                     "no leading, trailing or double spaces)", keys[i]);
            set_message(&sink, msg);
            return FLOWRL_PNG_BAD_ARGUMENT;
        }
    }
    if (compression_level < 0) compression_level = 0;
    if (compression_level > 9) compression_level = 9;

    // Everything that must be freed after a longjmp is allocated before setjmp and never
    // reassigned afterwards, so no local needs `volatile`.
    png_text *texts = ntext ? (png_text *)calloc((size_t)ntext, sizeof(png_text)) : NULL;
    mem_out *m = (mem_out *)calloc(1, sizeof(mem_out));
    if ((ntext && texts == NULL) || m == NULL) {
        free(texts);
        free(m);
        set_message(&sink, "out of memory while encoding PNG");
        return FLOWRL_PNG_NO_MEMORY;
    }
    for (int i = 0; i < ntext; i++) {
        int ascii = is_ascii(values[i]);
        int big = strlen(values[i]) > LONG_TEXT;
        texts[i].key = (png_charp)keys[i];
        texts[i].text = (png_charp)values[i];
        texts[i].text_length = strlen(values[i]);
        if (ascii)
            texts[i].compression = big ? PNG_TEXT_COMPRESSION_zTXt : PNG_TEXT_COMPRESSION_NONE;
        else
            texts[i].compression = big ? PNG_ITXT_COMPRESSION_zTXt : PNG_ITXT_COMPRESSION_NONE;
    }

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, &info);
        free(texts);
        free(m);
        set_message(&sink, "out of memory while creating the libpng writer");
        return FLOWRL_PNG_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(texts);
        free(m->data);
        free(m);
        return FLOWRL_PNG_LIBPNG_ERROR;
    }
    png_set_write_fn(png, m, write_mem, flush_mem);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ntext) png_set_text(png, info, texts, ntext);
    png_write_info(png, info);
    size_t stride = (size_t)width * 3;
    for (int y = 0; y < height; y++) png_write_row(png, rgb + (size_t)y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(texts);

    *out = m->data;
    *out_len = m->len;
    free(m);
    return FLOWRL_PNG_OK;
}

// ---- decoding -----------------------------------------------------------------------------------

typedef struct {
    const uint8_t *data;
    size_t len, pos;
    int code;           // a more specific code than LIBPNG_ERROR for the setjmp path
    uint8_t *pixels;    // RGBA while reading, RGB after compositing
    png_bytep *rows;
    char **keys, **values;
    int ntext;
} decode_state;

static void free_state(decode_state *s) {
    free(s->pixels);
    free(s->rows);
    flowrl_png_free_text(s->keys, s->values, s->ntext);
    free(s);
}

static void read_mem(png_structp png, png_bytep out, size_t n) {
    decode_state *s = (decode_state *)png_get_io_ptr(png);
    if (n > s->len - s->pos) png_error(png, "PNG data ends early (truncated file)");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

// tEXt and zTXt hold Latin-1; Swift wants UTF-8. Returns NULL when out of memory.
static char *latin1_to_utf8(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p < 0x80) ? 1 : 2;
    char *out = (char *)malloc(n + 1);
    if (out == NULL) return NULL;
    char *q = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            *q++ = (char)*p;
        } else {
            *q++ = (char)(0xC0 | (*p >> 6));
            *q++ = (char)(0x80 | (*p & 0x3F));
        }
    }
    *q = 0;
    return out;
}

static char *copy_string(const char *s) {
    size_t n = strlen(s);
    char *out = (char *)malloc(n + 1);
    if (out) memcpy(out, s, n + 1);
    return out;
}

static uint32_t read_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void too_large_message(char *buf, size_t len, uint32_t w, uint32_t h) {
    snprintf(buf, len, "image is %ux%u, larger than the limit of %d per side",
             (unsigned)w, (unsigned)h, FLOWRL_PNG_MAX_SIDE);
}

static void fail(png_structp png, decode_state *s, int code, const char *msg) {
    s->code = code;
    png_error(png, msg);
}

int flowrl_png_decode(const uint8_t *data, size_t len,
                      uint8_t **rgb, int *width, int *height,
                      char ***keys, char ***values, int *ntext,
                      char *err, size_t errlen) {
    err_sink sink = {err, errlen};
    *rgb = NULL;
    *width = 0;
    *height = 0;
    *keys = NULL;
    *values = NULL;
    *ntext = 0;
    if (len < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_message(&sink, "the PNG signature is missing");
        return FLOWRL_PNG_NOT_PNG;
    }
    // Read the size straight from IHDR (which the spec puts first) so that an absurd size is
    // refused even when the rest of the file is missing; libpng's own limit below backs this up.
    if (len >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t w = read_be32(data + 16), h = read_be32(data + 20);
        if (w > FLOWRL_PNG_MAX_SIDE || h > FLOWRL_PNG_MAX_SIDE) {
            if (err && errlen) too_large_message(err, errlen, w, h);
            return FLOWRL_PNG_TOO_LARGE;
        }
    }
    decode_state *s = (decode_state *)calloc(1, sizeof(decode_state));
    if (s == NULL) {
        set_message(&sink, "out of memory while decoding PNG");
        return FLOWRL_PNG_NO_MEMORY;
    }
    s->data = data;
    s->len = len;
    s->pos = 8;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        free_state(s);
        set_message(&sink, "out of memory while creating the libpng reader");
        return FLOWRL_PNG_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        int code = s->code ? s->code : FLOWRL_PNG_LIBPNG_ERROR;
        png_destroy_read_struct(&png, &info, NULL);
        free_state(s);
        return code;
    }
    png_set_read_fn(png, s, read_mem);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, FLOWRL_PNG_MAX_SIDE, FLOWRL_PNG_MAX_SIDE);
    png_read_info(png, info);

    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w > FLOWRL_PNG_MAX_SIDE || h > FLOWRL_PNG_MAX_SIDE) {
        char msg[128];
        too_large_message(msg, sizeof msg, w, h);
        fail(png, s, FLOWRL_PNG_TOO_LARGE, msg);
    }
    // Normalise every colour type and depth to 8-bit RGBA, then composite in C below: this keeps
    // libpng's gamma machinery (which png_set_background would involve) out of the result.
    png_set_expand(png);
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
    png_set_scale_16(png);   // rounds v/257, unlike strip_16 which truncates to the high byte
#else
    png_set_strip_16(png);
#endif
    png_set_gray_to_rgb(png);
    png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4)
        fail(png, s, FLOWRL_PNG_LIBPNG_ERROR, "unexpected row layout after libpng transforms");

    s->pixels = (uint8_t *)malloc((size_t)w * h * 4);
    s->rows = (png_bytep *)malloc((size_t)h * sizeof(png_bytep));
    if (s->pixels == NULL || s->rows == NULL)
        fail(png, s, FLOWRL_PNG_NO_MEMORY, "out of memory while decoding PNG");
    for (png_uint_32 y = 0; y < h; y++) s->rows[y] = s->pixels + (size_t)y * w * 4;
    png_read_image(png, s->rows);
    png_read_end(png, info);   // text chunks after IDAT land in `info` too

    png_textp text = NULL;
    int n = png_get_text(png, info, &text, NULL);
    if (n > 0) {
        s->keys = (char **)calloc((size_t)n, sizeof(char *));
        s->values = (char **)calloc((size_t)n, sizeof(char *));
        if (s->keys == NULL || s->values == NULL)
            fail(png, s, FLOWRL_PNG_NO_MEMORY, "out of memory while reading PNG text");
        s->ntext = n;
        for (int i = 0; i < n; i++) {
            int itxt = text[i].compression == PNG_ITXT_COMPRESSION_NONE ||
                       text[i].compression == PNG_ITXT_COMPRESSION_zTXt;
            s->keys[i] = latin1_to_utf8(text[i].key);
            s->values[i] = itxt ? copy_string(text[i].text) : latin1_to_utf8(text[i].text);
            if (s->keys[i] == NULL || s->values[i] == NULL)
                fail(png, s, FLOWRL_PNG_NO_MEMORY, "out of memory while reading PNG text");
        }
    }
    png_destroy_read_struct(&png, &info, NULL);

    // Composite onto black in place: pixel i's RGB (bytes 3i…3i+2) never overtakes the RGBA
    // source of pixel i+1 (bytes 4i+4…), and each source is read before its slot is written.
    uint8_t *p = s->pixels;
    size_t count = (size_t)w * h;
    for (size_t i = 0; i < count; i++) {
        unsigned r = p[4 * i], g = p[4 * i + 1], b = p[4 * i + 2], a = p[4 * i + 3];
        p[3 * i] = (uint8_t)((r * a + 127) / 255);
        p[3 * i + 1] = (uint8_t)((g * a + 127) / 255);
        p[3 * i + 2] = (uint8_t)((b * a + 127) / 255);
    }
    uint8_t *shrunk = (uint8_t *)realloc(p, count * 3);
    *rgb = shrunk ? shrunk : p;
    *width = (int)w;
    *height = (int)h;
    *keys = s->keys;
    *values = s->values;
    *ntext = s->ntext;
    free(s->rows);
    free(s);
    return FLOWRL_PNG_OK;
}

void flowrl_png_free(void *p) { free(p); }

void flowrl_png_free_text(char **keys, char **values, int ntext) {
    for (int i = 0; i < ntext; i++) {
        if (keys) free(keys[i]);
        if (values) free(values[i]);
    }
    free(keys);
    free(values);
}
