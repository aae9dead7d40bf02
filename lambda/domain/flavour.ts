/**
 * The webhook flavours, one per public route PicPay calls: the legacy e-commerce callback and
 * the checkout webhook. Payment Link notifications arrive on the checkout webhook but are their
 * own kind of charge, with their own status vocabulary.
 */
export type Flavour = 'legacy' | 'checkout';

/** The flavour of a charge: a webhook flavour, or a Payment Link charge. */
export type ChargeFlavour = Flavour | 'paymentLink';
