package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/bulwark-sec/bulwark"
)

type notificationRow struct {
	*bulwark.Notification
	Link string // a path on this site, or "" when the stored link is not one
}

type notificationsData struct {
	Rows    []notificationRow
	NextURL string
	Paged   bool
}

// notifications lists the caller's notifications, newest first.
func (p *Pages) notifications(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, err := bulwark.ParsePage(q.Get("limit"), q.Get("cursor"))
	if err != nil {
		return err
	}
	ns, next, err := p.svc.Notifications(r.Context(), page)
	if err != nil {
		return err
	}
	d := &notificationsData{Paged: page.Cursor != ""}
	for _, n := range ns {
		d.Rows = append(d.Rows, notificationRow{Notification: n, Link: localLink(n.Link)})
	}
	if next != "" {
		d.NextURL = "/notifications?" + url.Values{"cursor": {next}}.Encode()
	}
	p.render(w, r, http.StatusOK, "notifications", &view{Title: "Notifications", Section: "notifications", Data: d})
	return nil
}

// markRead marks a notification read, then opens what it links to when
// the form asks for that, or comes back to the list.
func (p *Pages) markRead(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r.PathValue("id"), "notification")
	if err != nil {
		return err
	}
	if err := p.svc.MarkNotificationRead(r.Context(), id); err != nil {
		return err
	}
	target := "/notifications?done=notification-read"
	if next := localLink(r.PostForm.Get("next")); next != "" {
		target = next
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// localLink returns s when it is a path on this site, "" otherwise.
func localLink(s string) string {
	if s == "" || safeNext(s) != s {
		return ""
	}
	return s
}

// unreadCount is the top bar's count of unread notifications: "" for
// none. A failure only hides the count. The principal is passed in: error pages are rendered
// from a request whose context does not carry it.
func (p *Pages) unreadCount(r *http.Request, pr *bulwark.Principal) string {
	if pr == nil || pr.UserID == 0 {
		return ""
	}
	ctx := bulwark.WithPrincipal(r.Context(), pr)
	n, err := p.svc.UnreadNotifications(ctx)
	if err != nil {
		p.log.WarnContext(r.Context(), "web: unread notifications", "err", err)
		return ""
	}
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
