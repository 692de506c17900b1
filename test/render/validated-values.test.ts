/** What is rendered is exactly what was validated: no stray spaces carried into kubeadm's or flannel's config. */
import test from 'ava';
import { render } from '../../src/render/index.js';
import { configFrom } from '../helpers/config.js';

test('subnets written with spaces are rendered as the CIDR that was validated (issue 15.7)', (t) => {
  const cfg = configFrom('networking:\n  podSubnet: "10.244.0.0/16 "\n  serviceSubnet: " 10.96.0.0/12"\n');
  t.is(cfg.networking.podSubnet, '10.244.0.0/16');
  t.is(cfg.networking.serviceSubnet, '10.96.0.0/12');
  const texts = render(cfg)
    .artifacts.map((a) => a.text)
    .join('\n');
  t.regex(texts, /podSubnet: "10\.244\.0\.0\/16"\n/);
  t.regex(texts, /serviceSubnet: "10\.96\.0\.0\/12"\n/);
  t.regex(texts, /"Network": "10\.244\.0\.0\/16"/);
  t.notRegex(texts, /10\.244\.0\.0\/16 |" 10\.96/);
});
