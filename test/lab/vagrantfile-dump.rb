# frozen_string_literal: true

# Loads a Vagrantfile with plain Ruby and a recording stand-in for Vagrant, and
# prints as JSON every setting it makes and every call with its arguments (blocks
# are run with recorders, except trigger `ruby` blocks, which would touch the host).
# Lets the tests read the machines, their provisioners (inline shell included) and
# provider settings of a Vagrantfile without VirtualBox, libvirt or Vagrant itself.
#
#   ruby vagrantfile-dump.rb PATH/Vagrantfile > dump.json
require 'json'

# Records what is done to it. Attribute reads (`config.vm`) return the same child
# recorder each time; `x = v` is a setting; anything else is a call.
class Recorder < BasicObject
  def initialize
    @children = {}
    @log = []
  end

  def __rec_dump
    {
      'attrs' => @children.transform_values(&:__rec_dump),
      'log' => @log.map do |e|
        e.merge('block' => e['block']&.map(&:__rec_dump))
      end,
    }
  end

  def respond_to_missing?(_name, _include_private = false)
    true
  end

  def method_missing(name, *args, **kw, &blk)
    n = name.to_s
    if n.end_with?('=')
      @log << { 'set' => n.chomp('='), 'value' => args.first }
      return args.first
    end
    return (@children[n] ||= ::Recorder.new) if args.empty? && kw.empty? && blk.nil?

    entry = { 'call' => n, 'args' => args, 'kw' => kw }
    if blk
      recorders = ::Array.new([blk.arity, 1].max) { ::Recorder.new }
      entry['block'] = recorders
      blk.call(*recorders) unless n == 'ruby'
    end
    @log << entry
    nil
  end
end

CONFIGS = [] # rubocop:disable Style/MutableConstant

module Vagrant
  def self.configure(version)
    config = Recorder.new
    yield config
    CONFIGS << { 'version' => version, 'config' => config.__rec_dump }
  end

  def self.require_version(*_requirements); end
end

load File.expand_path(ARGV.fetch(0))
puts JSON.generate(CONFIGS)
