#!/usr/bin/perl
# A ZeroMQ REQ peer in Perl (ZMQ::FFI, Debian libzmq-ffi-perl), as the bot of a Perl bot +
# Python sidecar pair would be.
# Usage: perl zmq_req.pl ENDPOINT < requests.ndjson
# Sends each stdin line as one message and prints each reply as one line; exits 2 when a reply
# does not come within 90 s.
use strict;
use warnings;
use ZMQ::FFI qw(ZMQ_REQ ZMQ_RCVTIMEO ZMQ_LINGER);

my $endpoint = shift @ARGV or die "usage: zmq_req.pl ENDPOINT\n";
my $ctx = ZMQ::FFI->new();
my $sock = $ctx->socket(ZMQ_REQ);
$sock->set(ZMQ_RCVTIMEO, 'int', 90000);
$sock->set(ZMQ_LINGER, 'int', 0);
$sock->connect($endpoint);
$| = 1;
while (my $line = <STDIN>) {
    chomp $line;
    next if $line eq '';
    $sock->send($line);
    my $reply = eval { $sock->recv() };
    if (!defined $reply) {
        print STDERR "no reply within 90 s to $line\n";
        exit 2;
    }
    print "$reply\n";
}
$sock->close();
