#ifndef FLOWRL_PNG_IO_H
#define FLOWRL_PNG_IO_H

// A small C face over libpng so that Swift never sees setjmp/longjmp: libpng reports errors by
// longjmp'ing out of the failing call, which would skip Swift's cleanup and ARC. Every entry
// point here catches that jump itself and returns one of the codes below, with libpng's message
// copied into the caller's `err` buffer.

#include <stddef.h>
#include <stdint.h>

enum {
    FLOWRL_PNG_OK = 0,
    FLOWRL_PNG_NOT_PNG = 1,     // the first 8 bytes are not the PNG signature
    FLOWRL_PNG_LIBPNG_ERROR = 2, // libpng rejected the data or failed (message in err)
    FLOWRL_PNG_NO_MEMORY = 3,
    FLOWRL_PNG_TOO_LARGE = 4,   // wider or taller than FLOWRL_PNG_MAX_SIDE
    FLOWRL_PNG_BAD_ARGUMENT = 5 // caller error: bad size, bad text keyword (message in err)
};

// Larger images are refused before any pixel buffer is allocated.
#define FLOWRL_PNG_MAX_SIDE 16384

/// Encodes 8-bit RGB (height rows of width*3 bytes) as a PNG in memory, with `ntext` text chunks.
/// Values that are plain ASCII go in tEXt (zTXt when long), others in iTXt as UTF-8.
/// On success *out holds *out_len bytes; release it with flowrl_png_free.
int flowrl_png_encode(const uint8_t *rgb, int width, int height,
                      const char *const *keys, const char *const *values, int ntext,
                      int compression_level,
                      uint8_t **out, size_t *out_len, char *err, size_t errlen);

/// Decodes any standard PNG (palette, gray, alpha, 16-bit, interlaced) to 8-bit RGB; alpha is
/// composited onto black. Text chunks (tEXt, zTXt, iTXt) come back as UTF-8 strings.
/// Release *rgb with flowrl_png_free and the text with flowrl_png_free_text.
int flowrl_png_decode(const uint8_t *data, size_t len,
                      uint8_t **rgb, int *width, int *height,
                      char ***keys, char ***values, int *ntext,
                      char *err, size_t errlen);

/// Frees a buffer returned by flowrl_png_encode or flowrl_png_decode.
void flowrl_png_free(void *p);

/// Frees the key and value arrays returned by flowrl_png_decode.
void flowrl_png_free_text(char **keys, char **values, int ntext);

#endif
