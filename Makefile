# Channel Gateway: build, install and Debian packaging.
#   make                                  release build of gatewayd and gatewayctl (Swift stdlib linked statically)
#   make install PREFIX=/usr DESTDIR=...  install binaries, unit, sysusers/tmpfiles, man pages, shell completions,
#                                         configs (channels as samples only), docs
#   make deb                              dist/channel-gateway_<version>_<arch>.deb (dpkg-deb --root-owner-group)
#   make check-deb                        build the .deb, inspect it and install it into a throwaway root
#   make check-unit                       systemd-analyze verify + security (scripts/check-unit)

SWIFT       ?= swift
SCRATCH     ?= .build-pkg
SWIFT_FLAGS ?= -c release --scratch-path $(SCRATCH) --static-swift-stdlib

PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/channel-gateway
# Read-only data: the Grafana dashboard.
DATADIR     ?= $(PREFIX)/share/channel-gateway
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
SYSCONFDIR  ?= /etc
CONFDIR      = $(SYSCONFDIR)/channel-gateway

VERSION     ?= $(shell sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/GatewayRelease/GatewayRelease.swift)
ARCH        ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB         := dist/channel-gateway_$(VERSION)_$(ARCH).deb
DEBROOT     := $(SCRATCH)/debroot

INSTALL     ?= install
MANPAGES    := man/gatewayctl.1 man/channel-gateway.yaml.5 man/gatewayd.8
PLUGINS     := Loopback SMS AppPush WeCom WeChatOA CallQueue

.PHONY: all build install deb check-deb check-unit check-man clean-pkg

all: build

build:
	$(SWIFT) build $(SWIFT_FLAGS) --product gatewayd
	$(SWIFT) build $(SWIFT_FLAGS) --product gatewayctl

# Binaries come from `swift build --show-bin-path`; the unit is rewritten for BINDIR. Files under CONFDIR are
# installed only when absent, so a reinstall never overwrites an administrator's configuration.
install: build
	@set -e; umask 022; \
	bin=$$($(SWIFT) build $(SWIFT_FLAGS) --show-bin-path); \
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(CONFDIR)/channels.d \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR); \
	$(INSTALL) -m 0755 "$$bin/gatewayd" "$$bin/gatewayctl" $(DESTDIR)$(BINDIR)/; \
	for tool in gatewayd gatewayctl; do \
		"$$bin/$$tool" --generate-completion-script bash > $(DESTDIR)$(BASHCOMPDIR)/$$tool; \
		"$$bin/$$tool" --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_$$tool; \
		"$$bin/$$tool" --generate-completion-script fish > $(DESTDIR)$(FISHCOMPDIR)/$$tool.fish; \
		chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/$$tool $(DESTDIR)$(ZSHCOMPDIR)/_$$tool $(DESTDIR)$(FISHCOMPDIR)/$$tool.fish; \
	done; \
	sed 's|/usr/bin/gatewayd|$(BINDIR)/gatewayd|g' systemd/channel-gateway.service > $(DESTDIR)$(UNITDIR)/channel-gateway.service; \
	chmod 0644 $(DESTDIR)$(UNITDIR)/channel-gateway.service; \
	$(INSTALL) -m 0644 systemd/channel-gateway.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/channel-gateway.conf; \
	$(INSTALL) -m 0644 systemd/channel-gateway.tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/channel-gateway.conf; \
	for page in $(MANPAGES); do \
		section=$${page##*.}; \
		gzip -9n -c $$page > $(DESTDIR)$(MANDIR)/man$$section/$${page##*/}.gz; \
		chmod 0644 $(DESTDIR)$(MANDIR)/man$$section/$${page##*/}.gz; \
	done; \
	for file in gateway.yaml channels.d/loopback.yaml.sample channels.d/sms-vendor.yaml.sample; do \
		if [ -e $(DESTDIR)$(CONFDIR)/$$file ]; then echo "keeping existing $(DESTDIR)$(CONFDIR)/$$file"; \
		else $(INSTALL) -m 0644 etc/channel-gateway/$$file $(DESTDIR)$(CONFDIR)/$$file; fi; \
	done; \
	$(INSTALL) -m 0644 README.md docs/protocol.md $(DESTDIR)$(DOCDIR)/; \
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/grafana; \
	$(INSTALL) -m 0644 packaging/grafana/channel-gateway.json $(DESTDIR)$(DATADIR)/grafana/; \
	for plugin in $(PLUGINS); do \
		name=$$(echo $$plugin | tr 'A-Z' 'a-z'); \
		$(INSTALL) -d $(DESTDIR)$(DOCDIR)/$$name; \
		$(INSTALL) -m 0644 Plugins/$$plugin/README.md Plugins/$$plugin/sample.yaml $(DESTDIR)$(DOCDIR)/$$name/; \
	done; \
	echo "installed channel-gateway $(VERSION) into $(DESTDIR)$(PREFIX) and $(DESTDIR)$(CONFDIR)"

# Stages a fresh root, strips the binaries, adds DEBIAN/ (control, conffiles, maintainer scripts) and packs it.
deb: build
	@set -e; umask 022; \
	test -n "$(VERSION)" || { echo "make deb: no version in GatewayRelease.swift" >&2; exit 1; }; \
	rm -rf $(DEBROOT); mkdir -p $(DEBROOT)/DEBIAN dist; \
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEBROOT)) PREFIX=/usr SYSCONFDIR=/etc \
		UNITDIR=/lib/systemd/system SYSUSERSDIR=/usr/lib/sysusers.d TMPFILESDIR=/usr/lib/tmpfiles.d >/dev/null; \
	strip --strip-unneeded $(DEBROOT)/usr/bin/gatewayd $(DEBROOT)/usr/bin/gatewayctl; \
	size=$$(du -sk --exclude=DEBIAN $(DEBROOT) | cut -f1); \
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$(ARCH)/' -e "s/@INSTALLED_SIZE@/$$size/" \
		packaging/debian/control > $(DEBROOT)/DEBIAN/control; \
	(cd $(DEBROOT) && find etc -type f | sort | sed 's|^|/|') > $(DEBROOT)/DEBIAN/conffiles; \
	for script in postinst prerm postrm; do $(INSTALL) -m 0755 packaging/debian/$$script $(DEBROOT)/DEBIAN/; done; \
	dpkg-deb --root-owner-group -Zxz --build $(DEBROOT) $(DEB) >/dev/null; \
	echo "built $(DEB) ($$(du -h $(DEB) | cut -f1))"

check-deb: deb
	packaging/check-deb $(DEB)

check-unit:
	scripts/check-unit

# Man pages must render without any groff warning.
check-man:
	@set -e; for page in $(MANPAGES); do \
		out=$$(groff -man -ww -z $$page 2>&1); \
		if [ -n "$$out" ]; then echo "$$page:"; echo "$$out"; exit 1; fi; \
	done; echo "man pages OK: $(MANPAGES)"

clean-pkg:
	rm -rf $(DEBROOT) dist
