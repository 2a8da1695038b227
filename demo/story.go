package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// seeder carries the demo's state through the story. Its steps keep the
// first error and do nothing after it, so the story reads as a script.
type seeder struct {
	ctx   context.Context // the system principal
	st    Store
	clock *Clock
	parse func([]byte) ([]bulwark.ImportRow, []bulwark.RowError, error)
	data  *shared   // nil: the built-in set
	today time.Time // midnight UTC of the real day
	last  time.Time // the latest time the story asked for
	err   error

	org           *Org
	users         map[string]context.Context
	pipeline      context.Context // the build pipeline, a system principal
	releases      map[string]*bulwark.Release
	products      int
	advisories    int
	jacksonWaiver int64
	inventoryGate *bulwark.GateResult
}

// step is one dated action of the story.
type step struct {
	day, hour, minute int  // day <= 0, relative to today
	shared            bool // needs the shared data
	do                func()
}

// story seeds the organisation and its last three months, in date order:
// each step moves the clock to its time first. It starts where NewClock
// does, StoryDays (90) days ago.
func (s *seeder) story(root *bulwark.Scope) {
	s.pipeline = bulwark.WithPrincipal(s.ctx, &bulwark.Principal{Kind: bulwark.PrincipalSystem, Name: "ci/build-pipeline"})
	s.users = map[string]context.Context{}
	steps := []step{
		{-90, 8, 0, false, func() { s.org, s.err = Seed(s.ctx, s.st, root) }},
		{-90, 9, 30, false, s.pipelineToken},
		// Day one of the catalog: the list kept by hand, then everything
		// the products already ship.
		{-89, 10, 0, false, s.importApproved},
		{-89, 10, 40, true, s.importBaseline},
		// The first feed sync.
		{-88, 9, 0, false, s.importBuiltinAdvisories},
		{-88, 9, 20, true, func() { s.importAdvisories(s.feed().first) }},
		{-86, 14, 0, false, s.platform30},
		{-85, 11, 0, false, s.releasePlatform30},
		{-84, 11, 0, true, s.elementManager24},
		{-83, 10, 0, true, s.releaseElementManager24},
		{-82, 15, 30, true, s.triageJacksonGadgets},
		{-80, 10, 0, false, s.core10},
		{-79, 16, 0, false, s.triageCoreAndPlatform},
		{-78, 11, 0, false, s.releaseCore10},
		{-75, 11, 0, true, s.triageElementManagerRest},
		{-72, 9, 0, false, s.router71},
		{-70, 14, 0, false, s.triageRouter71},
		{-70, 15, 0, false, s.releaseRouter71},
		{-65, 10, 0, true, s.bridge163},
		{-63, 10, 0, true, s.releaseBridge163},
		{-62, 15, 0, true, s.triageBridge163},
		{-61, 10, 0, false, s.requestRequest},
		{-60, 9, 0, false, s.evaluateRequest},
		{-60, 10, 0, true, s.fleet20},
		{-59, 15, 0, false, s.rejectRequest},
		{-58, 10, 0, true, s.releaseFleet20},
		{-57, 11, 0, true, s.triageFleet20},
		{-55, 10, 0, true, s.inventory45},
		{-54, 14, 0, true, s.triageInventory45},
		{-52, 10, 0, true, s.releaseInventory45},
		{-50, 9, 30, false, s.jacksonWaiverRequest},
		{-49, 10, 0, false, s.approveJacksonWaiver},
		{-45, 10, 0, false, s.platform31},
		{-42, 11, 0, false, s.requestMinio},
		{-41, 9, 30, false, s.evaluateMinio},
		{-40, 11, 0, false, s.releasePlatform31},
		{-38, 10, 0, false, s.core11},
		{-35, 11, 0, false, s.releaseCore11},
		// A feed update: logback's advisory reaches both Java products,
		// and nobody gets to it in time.
		{-33, 9, 0, true, func() { s.importAdvisories(s.feed().late) }},
		{-30, 10, 0, false, s.router72},
		{-28, 11, 0, false, s.releaseRouter72},
		{-28, 14, 0, false, s.triageRouter72},
		{-25, 11, 0, true, s.banNatsJWT},
		{-24, 9, 0, true, s.natsWaiverRequest},
		{-22, 15, 0, false, s.expressWaiverRequest},
		{-20, 10, 0, false, s.requestZod},
		{-20, 14, 0, true, s.elementManager25},
		{-18, 10, 0, false, s.evaluateZod},
		{-18, 11, 0, true, s.releaseElementManager25},
		{-16, 11, 0, true, s.triageElementManager25},
		{-15, 10, 0, true, s.bridge17},
		{-15, 16, 0, false, s.verifyZod},
		{-12, 10, 0, true, s.inventory46},
		{-11, 9, 0, true, s.requestInventoryUncertified},
		{-10, 10, 0, true, s.fleet21},
		{-9, 9, 0, true, s.evaluateSnakeYAML2},
		{-9, 10, 0, false, s.requestFastify},
		{-8, 10, 0, true, s.releaseFleet21},
		{-8, 15, 0, true, s.verifySnakeYAML2},
		{-7, 11, 0, true, s.certifySnakeYAML2},
		{-6, 10, 0, true, s.elementManager26},
		{-5, 10, 0, false, s.requestPyYAML},
		// Two days ago: fresh advisories for the triage queues, and this
		// week's exploit signals.
		{-2, 9, 0, true, func() { s.importAdvisories(s.feed().fresh) }},
		{-2, 11, 0, false, s.importSignals},
		{-1, 16, 0, false, s.core20Gate},
		{-1, 17, 0, false, s.newHire},
	}
	for _, st := range steps {
		if st.shared && s.data == nil {
			continue
		}
		s.at(st.day, st.hour, st.minute)
		if s.err != nil {
			return
		}
		st.do()
		if s.err != nil {
			s.err = fmt.Errorf("day %d %02d:%02d: %w", st.day, st.hour, st.minute, s.err)
			return
		}
	}
}

// at moves the clock to a time of day, days before today. The story must
// be told in order: asking for an earlier time than the last is a mistake
// in it.
func (s *seeder) at(day, hour, minute int) {
	t := s.today.AddDate(0, 0, day).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	if t.Before(s.last) {
		s.failed(fmt.Errorf("the demo story goes back in time at day %d %02d:%02d", day, hour, minute))
		return
	}
	s.last = t
	s.clock.Go(t)
}

// date is a day relative to today, as written in a catalog file.
func (s *seeder) date(day int) string { return s.today.AddDate(0, 0, day).Format("2006-01-02") }

// failed records err when it is the first, and reports whether the story
// has failed.
func (s *seeder) failed(err error) bool {
	if s.err == nil && err != nil {
		s.err = err
	}
	return s.err != nil
}

// as is a demo user acting as themselves.
func (s *seeder) as(name string) context.Context {
	if ctx, ok := s.users[name]; ok {
		return ctx
	}
	u, err := s.st.FindUserByName(s.ctx, name)
	if s.failed(err) {
		return s.ctx
	}
	ctx := bulwark.WithPrincipal(s.ctx, &bulwark.Principal{Kind: bulwark.PrincipalUser, UserID: u.ID, Name: u.Name, Grants: u.Grants})
	s.users[name] = ctx
	return ctx
}

// pipelineToken is the developer's token for the 5G core's CI, which runs
// out in nine days: the admin's reminder to rotate it.
func (s *seeder) pipelineToken() {
	if s.err != nil {
		return
	}
	dev := s.as("developer")
	u, err := s.st.FindUserByName(s.ctx, "developer")
	if s.failed(err) {
		return
	}
	_, _, err = s.st.CreateToken(dev, bulwark.NewToken{UserID: u.ID, Name: "5G Core CI pipeline", ExpiresAt: s.today.AddDate(0, 0, 9),
		Grants: []bulwark.TokenGrant{{Role: bulwark.RoleDeveloper, ScopeID: s.org.Core5G.ID}}, Reason: "gate runs from the build pipeline"})
	s.failed(err)
}

// newHire is an account the admin created yesterday and has not given a
// role yet.
func (s *seeder) newHire() {
	if s.err != nil {
		return
	}
	_, err := s.st.CreateUser(s.as("admin"), bulwark.NewUser{Name: "noor", DisplayName: "Noor Newcomer", Email: "noor@example.com",
		HomeScopeID: s.org.HomeRouter.ID, Password: Password, Reason: "joins the Home Router team; role after the security induction"})
	s.failed(err)
}
