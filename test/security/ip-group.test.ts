import { ipGroup } from '../../src/ip-block'

describe('ipGroup', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd:12::/64'],
    ['2001:0db8:abcd:0012:ffff:ffff:ffff:ffff', '2001:db8:abcd:12::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
    ['not an ip', 'unknown'],
  ])('%s → %s', (ip, group) => {
    expect(ipGroup(ip)).toBe(group)
  })

  it('puts two addresses of one /64 in one group, and of two /64s in two', () => {
    expect(ipGroup('2001:db8:1:2:aaaa::1')).toBe(ipGroup('2001:db8:1:2:bbbb::9'))
    expect(ipGroup('2001:db8:1:2::1')).not.toBe(ipGroup('2001:db8:1:3::1'))
  })
})
