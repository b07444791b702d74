// ncurses for MLPTUI: the wide-character build, so UTF-8 symbols render, plus the macros
// Swift cannot import (attributes, colour pairs, key codes, mouse masks) as inline functions.
#ifndef MLP_CNCURSES_SHIM_H
#define MLP_CNCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <ncurses.h>
#include <locale.h>
#include <langinfo.h>

static inline int mlp_attr_normal(void) { return (int)A_NORMAL; }
static inline int mlp_attr_bold(void) { return (int)A_BOLD; }
static inline int mlp_attr_reverse(void) { return (int)A_REVERSE; }
static inline int mlp_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int mlp_attr_dim(void) { return (int)A_DIM; }
static inline int mlp_color_pair(int n) { return (int)COLOR_PAIR(n); }

static inline int mlp_key_up(void) { return KEY_UP; }
static inline int mlp_key_down(void) { return KEY_DOWN; }
static inline int mlp_key_left(void) { return KEY_LEFT; }
static inline int mlp_key_right(void) { return KEY_RIGHT; }
static inline int mlp_key_home(void) { return KEY_HOME; }
static inline int mlp_key_end(void) { return KEY_END; }
static inline int mlp_key_ppage(void) { return KEY_PPAGE; }
static inline int mlp_key_npage(void) { return KEY_NPAGE; }
static inline int mlp_key_enter(void) { return KEY_ENTER; }
static inline int mlp_key_backspace(void) { return KEY_BACKSPACE; }
static inline int mlp_key_dc(void) { return KEY_DC; }
static inline int mlp_key_resize(void) { return KEY_RESIZE; }
static inline int mlp_key_mouse(void) { return KEY_MOUSE; }
static inline int mlp_key_btab(void) { return KEY_BTAB; }

/// Enables the mouse wheel and clicks; returns whether the terminal reports any.
static inline int mlp_enable_mouse(void) {
    return mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL) != 0;
}

/// The last mouse event: 1 left click, 4 wheel up, 5 wheel down, 0 other; row and column out.
static inline int mlp_mouse_event(int *row, int *col) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *row = event.y;
    *col = event.x;
    if (event.bstate & BUTTON4_PRESSED) return 4;
    if (event.bstate & BUTTON5_PRESSED) return 5;
    if (event.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) return 1;
    return 0;
}

/// Whether the current locale encodes text as UTF-8.
static inline int mlp_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (codeset[0] == 'U' || codeset[0] == 'u') && (codeset[1] == 'T' || codeset[1] == 't');
}

#endif
