/*
 * The ATA driver's private helpers: defined in ata.c (the SFF layer) and called from
 * ata_core.c (device commands and bring-up) as well. Only those two files include this;
 * everything else uses ata.h.
 */
#ifndef TINY_DRIVERS_ATA_PRIV_H
#define TINY_DRIVERS_ATA_PRIV_H

#include "drivers/ata.h"

/* ata_sff_check_status: the Status register; reading it clears the device's INTRQ. */
u8 ata_sff_check_status(struct ata_port *ap);

/* ata_sff_dev_select: selects device 0 or 1 (device register), then the pause. */
void ata_sff_dev_select(struct ata_port *ap, unsigned device);

/* ata_sff_set_devctl: writes ctl to the device control register (ap->last_ctl untouched). */
void ata_sff_set_devctl(struct ata_port *ap, u8 ctl);

/* ata_tf_init: clears qc, its task file for device 0 with the port's current ctl. */
void ata_tf_init(struct ata_port *ap, struct ata_qc *qc);

/* __ata_sff_interrupt: the port's interrupt handler (ctx is the port), for irq_request_dt. */
void ata_interrupt(void *ctx);
/* The lost-wakeup probe (arch/irq.h): a command awaits its interrupt, and the device is not busy. */
bool ata_irq_pending(void *ctx);

#endif
