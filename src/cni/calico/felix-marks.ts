/**
 * Felix's mark bits (IptablesMarkMask 0xffff0000): accept, pass, and all of
 * its bits. Its static chains (felix-iptables.ts) and its policy chains
 * (felix-policy.ts) both set and test them.
 */
export const MARK_ACCEPT = 0x10000;
export const MARK_PASS = 0x20000;
export const MARK_ALL = 0xf0000;
