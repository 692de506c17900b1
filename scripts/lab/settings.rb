# frozen_string_literal: true

# The kubestrap lab's settings: built-in defaults, overridden by lab.yaml next to the
# Vagrantfile (or the file KUBESTRAP_LAB names), and every check, so a bad setting
# stops `vagrant` before anything is created, with a message that names it.
#
# Plain Ruby with no Vagrant dependency: the Vagrantfile requires it, and the tests
# load it on its own.
require 'ipaddr'
require 'psych'

module KubestrapLab
  # Checked here so a bad lab.yaml stops before any VM exists; the rules are kubestrap's and a
  # test keeps them equal: its newest minor (src/versions.ts NEWEST_MINOR), and the oldest one
  # its install step can install, the first pkgs.k8s.io serves (src/host/package-repos.ts).
  NEWEST_MINOR = 37
  OLDEST_MINOR = 24
  # VirtualBox 6.1.28+ allows host-only networks only inside this range unless
  # /etc/vbox/networks.conf says otherwise.
  VBOX_HOST_ONLY = IPAddr.new('192.168.56.0/21')
  # Networks the lab's VMs already use: VirtualBox's NAT NIC, vagrant-libvirt's
  # management network, and kubeadm's default service subnet.
  NAT_NETWORKS = { 'VirtualBox NAT' => '10.0.2.0/24', 'vagrant-libvirt management' => '192.168.121.0/24' }.freeze
  SERVICE_SUBNET = '10.96.0.0/12'
  PRIVATE_RANGES = %w[10.0.0.0/8 172.16.0.0/12 192.168.0.0/16].map { |r| IPAddr.new(r) }.freeze
  MAX_WORKERS = 20
  SYNCED_FOLDERS = %w[nfs virtiofs].freeze
  # Where the control plane leaves the join command for the workers (relative to the
  # project; /vagrant/.lab in the VMs). Gitignored; the host directory is mode 0700.
  LAB_DIR = '.lab'
  JOIN_FILE = 'join-command'

  # Shape and defaults of lab.yaml: a leaf is [type, default]; the checks of meaning are in `check`.
  SCHEMA = {
    'box' => [:string, 'bento/ubuntu-24.04'],
    'kubernetesVersion' => [:string, 'v1.24.17'],
    'podSubnet' => [:string, '10.244.0.0/16'],
    'ingress' => [:boolean, false],
    'network' => {
      'controlPlaneIp' => [:string, '192.168.56.10'],
      'checkVirtualBoxRange' => [:boolean, true],
    },
    'controlPlane' => {
      'cpus' => [:integer, 2],
      'memory' => [:integer, 2048],
    },
    'workers' => {
      'count' => [:integer, 1],
      'cpus' => [:integer, 1],
      'memory' => [:integer, 1536],
    },
    'libvirt' => {
      'box' => [:string, ''],
      'syncedFolder' => [:string, 'nfs'],
    },
  }.freeze

  class SettingsError < StandardError; end

  Node = Struct.new(:name, :role, :ip, :cpus, :memory, keyword_init: true) do
    def control_plane?
      role == 'cp'
    end
  end

  # The settings after defaults and checks, and the machines they describe.
  class Settings
    attr_reader :values, :source

    def initialize(values, source)
      @values = values
      @source = source
    end

    def [](key)
      @values.fetch(key)
    end

    def dig(*keys)
      @values.dig(*keys)
    end

    def kubernetes_version
      v = self['kubernetesVersion']
      v.start_with?('v') ? v : "v#{v}"
    end

    def nodes
      cp_ip = IPAddr.new(dig('network', 'controlPlaneIp'))
      cp = Node.new(name: 'cp', role: 'cp', ip: cp_ip.to_s,
                    cpus: dig('controlPlane', 'cpus'), memory: dig('controlPlane', 'memory'))
      workers = (1..dig('workers', 'count')).map do |i|
        Node.new(name: "worker-#{i}", role: 'worker', ip: KubestrapLab.ip_after(cp_ip, i).to_s,
                 cpus: dig('workers', 'cpus'), memory: dig('workers', 'memory'))
      end
      [cp] + workers
    end

    # Arguments for scripts/lab/bootstrap.sh (and so for provision.mjs) on one machine.
    # The first is the synced project directory in the guest.
    def provision_args(node, guest_dir: '/vagrant')
      cp = nodes.first
      [
        guest_dir,
        '--role', node.role,
        '--node-name', node.name,
        '--node-ip', node.ip,
        '--control-plane-ip', cp.ip,
        '--kubernetes-version', kubernetes_version,
        '--pod-subnet', self['podSubnet'],
        '--ingress', self['ingress'].to_s,
        '--allow-workloads', (dig('workers', 'count').zero?).to_s,
        '--join-file', "#{guest_dir}/#{LAB_DIR}/#{JOIN_FILE}",
      ]
    end
  end

  module_function

  # The IPv4 address n after ip.
  def ip_after(ip, n)
    IPAddr.new(ip.to_i + n, Socket::AF_INET)
  end

  def minor_of(version)
    m = /\Av?1\.(\d{1,2})\.(\d{1,3})\z/.match(version)
    m && m[1].to_i
  end

  # Reads the settings: KUBESTRAP_LAB=path when set, else lab.yaml in dir when present,
  # else the defaults. Raises SettingsError listing every problem.
  def load(dir:, env: ENV)
    path = env['KUBESTRAP_LAB']
    if path && !path.empty?
      raise SettingsError, "kubestrap lab: KUBESTRAP_LAB=#{path}: file not found" unless File.file?(path)
    else
      path = File.join(dir, 'lab.yaml')
      path = nil unless File.file?(path)
    end
    text = path ? File.read(path) : ''
    from_yaml(text, path ? display_path(path, dir) : '(defaults)')
  end

  def display_path(path, dir)
    full = File.expand_path(path)
    base = File.expand_path(dir) + File::SEPARATOR
    full.start_with?(base) ? full.delete_prefix(base) : path
  end

  def from_yaml(text, name = 'lab.yaml')
    errors = []
    user, lines = parse(text, name, errors)
    unless user.nil?
      # A value of the wrong type is replaced by its default, so the checks of
      # meaning still run and every problem is reported at once.
      values = merge(SCHEMA, user, [], lines, name, errors)
      check(values, lines, name, errors)
    end
    unless errors.empty?
      sorted = errors.each_with_index.sort_by { |e, i| [e[/\A[^:]*:(\d+)/, 1].to_i, i] }.map(&:first)
      raise SettingsError, "kubestrap lab: bad settings (fix them and run vagrant again):\n" +
                           sorted.map { |e| "  #{e}" }.join("\n")
    end
    Settings.new(values, name)
  end

  # YAML text to a Hash, with the line of every key path; duplicate keys and
  # anything but a mapping at the top are errors.
  def parse(text, name, errors)
    lines = {}
    doc = Psych.parse(text, filename: name)
    return [{}, lines] unless doc && doc.root

    root = doc.root
    unless root.is_a?(Psych::Nodes::Mapping)
      errors << "#{name}:#{root.start_line + 1}: the settings must be a mapping of keys (see lab.example.yaml)"
      return [nil, lines]
    end
    record_lines(root, [], lines, name, errors)
    [Psych.safe_load(text, permitted_classes: [], aliases: false, filename: name), lines]
  rescue Psych::SyntaxError => e
    errors << "#{name}:#{e.line}:#{e.column}: not valid YAML: #{e.problem}"
    [nil, lines]
  rescue Psych::BadAlias, Psych::AliasesNotEnabled
    errors << "#{name}: YAML anchors and aliases (&name, *name) are not allowed here; write the values out"
    [nil, lines]
  rescue Psych::Exception => e
    errors << "#{name}: #{e.message}"
    [nil, lines]
  end

  def record_lines(mapping, prefix, lines, name, errors)
    seen = {}
    mapping.children.each_slice(2) do |key, value|
      next unless key.is_a?(Psych::Nodes::Scalar)

      path = prefix + [key.value]
      label = path.join('.')
      if seen[key.value]
        errors << "#{name}:#{key.start_line + 1}: #{label}: duplicate key (first at line #{seen[key.value]})"
      end
      seen[key.value] = key.start_line + 1
      lines[label] = key.start_line + 1
      record_lines(value, path, lines, name, errors) if value.is_a?(Psych::Nodes::Mapping)
    end
  end

  def where(name, lines, label)
    line = lines[label]
    line ? "#{name}:#{line}: #{label}" : "#{name}: #{label}"
  end

  TYPE_NAMES = { string: 'a string', integer: 'a whole number', boolean: 'true or false' }.freeze

  # Defaults overlaid with the user's values, checking names and types.
  def merge(schema, user, prefix, lines, name, errors)
    unless user.is_a?(Hash)
      label = prefix.join('.')
      example = "#{prefix.last}: {#{schema.keys.first}: ...}"
      errors << "#{where(name, lines, label)}: must be a mapping of #{schema.keys.join(', ')} (e.g. `#{example}`), got #{user.inspect}"
      return defaults(schema)
    end
    user.each_key do |k|
      next if schema.key?(k.to_s)

      label = (prefix + [k.to_s]).join('.')
      known = schema.keys.join(', ')
      errors << "#{where(name, lines, label)}: unknown setting (known here: #{known})"
    end
    schema.to_h do |key, spec|
      label = (prefix + [key]).join('.')
      given = user.key?(key)
      value = user[key]
      if spec.is_a?(Hash)
        [key, given && !value.nil? ? merge(spec, value, prefix + [key], lines, name, errors) : defaults(spec)]
      elsif !given
        [key, spec[1]]
      else
        type = spec[0]
        ok = case type
             when :string then value.is_a?(String)
             when :integer then value.is_a?(Integer)
             when :boolean then [true, false].include?(value)
             end
        unless ok
          hint = type == :string && value.is_a?(Numeric) ? ' (quote it)' : ''
          errors << "#{where(name, lines, label)}: must be #{TYPE_NAMES[type]}, got #{value.inspect}#{hint}"
        end
        [key, ok ? value : spec[1]]
      end
    end
  end

  def defaults(schema)
    schema.to_h { |key, spec| [key, spec.is_a?(Hash) ? defaults(spec) : spec[1]] }
  end

  def ipv4(text)
    return nil unless text.is_a?(String) && /\A\d{1,3}(\.\d{1,3}){3}\z/.match?(text)

    ip = IPAddr.new(text)
    ip.ipv4? ? ip : nil
  rescue IPAddr::Error
    nil
  end

  def cidr4(text)
    m = %r{\A(\d{1,3}(?:\.\d{1,3}){3})/(\d{1,2})\z}.match(text)
    return nil unless m && m[2].to_i <= 32

    addr = ipv4(m[1])
    return nil unless addr

    net = IPAddr.new(text)
    [net, m[2].to_i, net.to_s == addr.to_s]
  rescue IPAddr::Error
    nil
  end

  def overlap?(a, b)
    a.include?(b.to_range.first) || b.include?(a.to_range.first)
  end

  # Checks of meaning, once every value has the right type.
  def check(v, lines, name, errors)
    err = ->(label, msg) { errors << "#{where(name, lines, label)}: #{msg}" }

    box = v['box']
    err.call('box', 'must name a box, e.g. bento/ubuntu-24.04 or bento/debian-12') if box.strip.empty? || box =~ /\s/
    lbox = v.dig('libvirt', 'box')
    err.call('libvirt.box', 'must not contain spaces') if lbox =~ /\s/
    unless SYNCED_FOLDERS.include?(v.dig('libvirt', 'syncedFolder'))
      err.call('libvirt.syncedFolder',
               "must be one of #{SYNCED_FOLDERS.join(', ')} (the workers read the join command through it, " \
               'so it must be two-way: not rsync)')
    end

    version = v['kubernetesVersion']
    minor = minor_of(version)
    if minor.nil?
      err.call('kubernetesVersion', "#{version.inspect} is not a Kubernetes version such as v1.24.17 or v1.31.4")
    elsif minor < OLDEST_MINOR
      err.call('kubernetesVersion',
               "#{version}: the lab installs Kubernetes from pkgs.k8s.io, which hosts v1.#{OLDEST_MINOR} and newer " \
               '(the old apt.kubernetes.io repository is gone); use v1.24.17 for a PodSecurityPolicy lab. ' \
               'kubestrap itself still supports older minors on hosts you install yourself')
    elsif minor > NEWEST_MINOR
      err.call('kubernetesVersion', "#{version}: kubestrap supports Kubernetes up to v1.#{NEWEST_MINOR}")
    end

    count = v.dig('workers', 'count')
    err.call('workers.count', "must be 0 or more, got #{count}") if count.negative?
    err.call('workers.count', "at most #{MAX_WORKERS} workers, got #{count}") if count > MAX_WORKERS
    cpus = v.dig('controlPlane', 'cpus')
    err.call('controlPlane.cpus', "kubeadm needs at least 2 CPUs on the control plane, got #{cpus}") if cpus < 2
    mem = v.dig('controlPlane', 'memory')
    if mem < 2048
      err.call('controlPlane.memory',
               "kubeadm needs about 2 GiB on the control plane (its preflight refuses under 1700 MB): " \
               "at least 2048 (MiB), got #{mem}")
    end
    wcpus = v.dig('workers', 'cpus')
    err.call('workers.cpus', "must be at least 1, got #{wcpus}") if wcpus < 1
    wmem = v.dig('workers', 'memory')
    if wmem < 1024
      err.call('workers.memory', "a worker needs at least 1024 (MiB) for the kubelet and building kubestrap, got #{wmem}")
    end

    cp_text = v.dig('network', 'controlPlaneIp')
    cp = ipv4(cp_text)
    nodes = []
    if cp.nil?
      err.call('network.controlPlaneIp', "#{cp_text.inspect} is not an IPv4 address such as 192.168.56.10")
    else
      last = cp.to_i & 0xff
      top = last + [count, 0].max
      if last < 2
        err.call('network.controlPlaneIp', "#{cp}: .0 and .1 are the network and the host's own address on the host-only network; use .2 to .254")
      elsif top > 254
        err.call('network.controlPlaneIp',
                 "#{cp}: the workers take the next #{count} addresses, which would run past .254; " \
                 'pick a lower control-plane address')
      else
        nodes = (0..[count, 0].max).map { |i| ip_after(cp, i) }
      end
      if !PRIVATE_RANGES.any? { |r| r.include?(cp) }
        err.call('network.controlPlaneIp', "#{cp} is not a private address (10/8, 172.16/12, 192.168/16)")
      elsif v.dig('network', 'checkVirtualBoxRange') && !nodes.empty? && !nodes.all? { |ip| VBOX_HOST_ONLY.include?(ip) }
        err.call('network.controlPlaneIp',
                 "#{cp} (and the workers after it) must be inside 192.168.56.0/21, the only range VirtualBox " \
                 'allows for host-only networks by default. Pick an address there, or allow your range in ' \
                 "/etc/vbox/networks.conf (e.g. `* #{cp.mask(24)}/24`) and set network.checkVirtualBoxRange: false")
      end
    end

    subnet = v['podSubnet']
    parsed = cidr4(subnet)
    if parsed.nil?
      err.call('podSubnet', "#{subnet.inspect} is not an IPv4 CIDR such as 10.244.0.0/16")
    else
      net, prefix, clean = parsed
      node_count = [count, 0].max + 1
      widest = 24 - Math.log2(node_count).ceil
      if !clean
        err.call('podSubnet', "#{subnet} has host bits set; did you mean #{net}/#{prefix}?")
      elsif prefix > widest
        err.call('podSubnet',
                 "#{subnet} is too small: every node gets a /24 from it, and #{node_count} nodes need /#{widest} or larger")
      else
        taken = { 'the service subnet' => SERVICE_SUBNET }.merge(NAT_NETWORKS.transform_keys { |k| "the #{k} network" })
        taken["the lab's private network"] = "#{cp.mask(24)}/24" if cp
        taken.each do |what, range|
          err.call('podSubnet', "#{subnet} overlaps #{what} (#{range})") if overlap?(net, IPAddr.new(range))
        end
      end
    end
  end

  # The host side of the join-command hand-over: .lab/ exists and only the user can read it.
  def prepare_lab_dir(project_dir)
    dir = File.join(project_dir, LAB_DIR)
    Dir.mkdir(dir, 0o700) unless File.directory?(dir)
    File.chmod(0o700, dir)
    dir
  end

  # A destroyed control plane's join command is useless: remove it so no worker tries it.
  def forget_join_command(project_dir)
    file = File.join(project_dir, LAB_DIR, JOIN_FILE)
    File.delete(file) if File.exist?(file)
  end
end
