// SPDX-License-Identifier: GPL-2.0
#include "../rust/xenras/shim.c"
