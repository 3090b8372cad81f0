#include "core/testhook.h"

struct test_irq_drop test_irq_drop;
